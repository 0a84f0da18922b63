import { describe, expect, it } from 'vitest';
import { PII_ENTITY_TYPES, PiiDetector } from '../../../src/guardrails/pii/index.js';
import { generateLabelledSet } from '../../../src/guardrails/pii/eval/generator.js';
import { scoreFindings } from '../../../src/guardrails/pii/eval/score.js';

describe('labelled synthetic PII set', () => {
  const set = generateLabelledSet(600, 5);

  it('is reproducible from its seed', () => {
    expect(generateLabelledSet(20, 5)).toEqual(set.slice(0, 20));
    expect(generateLabelledSet(20, 6)).not.toEqual(set.slice(0, 20));
  });

  it('labels every gold span with the text it covers and covers all 31 types', () => {
    const types = new Set(set.flatMap((d) => d.gold.map((g) => g.type)));
    expect(types).toEqual(new Set(PII_ENTITY_TYPES));
    for (const d of set) for (const g of d.gold) expect(d.text.slice(g.start, g.end).trim().length).toBe(g.end - g.start);
  });

  it('the detector keeps overall F1 above 0.95 and every type above 0.7 (regression guard)', () => {
    const d = new PiiDetector();
    const s = scoreFindings(set, set.map((x) => d.detect(x.text)));
    expect(s.overall.f1).toBeGreaterThan(0.95);
    for (const [type, score] of Object.entries(s.perType)) expect({ type, f1: score.f1 > 0.7 }).toEqual({ type, f1: true });
  });
});
