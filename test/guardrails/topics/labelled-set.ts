// The labelled on/off-topic prompts and a scorer for them, shared by the test and the threshold sweep.
import { readFileSync } from 'node:fs';
import { TopicDetector, type Topic } from '../../../src/guardrails/topics/index.js';

const DATA = new URL('../../../src/guardrails/topics/data/', import.meta.url);

export interface TopicItem {
  mode: 'deny' | 'allow';
  text: string;
  topic: string | null;
}

export const TOPIC_SETS = JSON.parse(readFileSync(new URL('topics.json', DATA), 'utf8')) as { deny: Topic[]; allow: Topic[] };
export const TOPIC_ITEMS: TopicItem[] = readFileSync(new URL('labelled.jsonl', DATA), 'utf8')
  .split('\n')
  .filter((l) => l.trim().length > 0)
  .map((l) => JSON.parse(l) as TopicItem);

export interface ScoredItem extends TopicItem {
  /** best topic and its score */
  best: { name: string; score: number };
}

/** Scores every labelled item with a detector per mode (threshold does not change scores). */
export async function scoreTopicItems(tuning: { simFloor?: number; simCeil?: number; lexicalScale?: number } = {}): Promise<ScoredItem[]> {
  const deny = await TopicDetector.create({ topics: TOPIC_SETS.deny, mode: 'deny', ...tuning });
  const allow = await TopicDetector.create({ topics: TOPIC_SETS.allow, mode: 'allow', ...tuning });
  const out: ScoredItem[] = [];
  for (const item of TOPIC_ITEMS) {
    const r = await (item.mode === 'deny' ? deny : allow).check(item.text);
    const best = [...r.scores].sort((a, b) => b.score - a.score)[0]!;
    out.push({ ...item, best });
  }
  return out;
}

/** Share of items decided correctly at a threshold: on-topic items must match their topic, off-topic none. */
export function topicAccuracy(scored: readonly ScoredItem[], threshold: number): number {
  let ok = 0;
  for (const s of scored) {
    const hit = s.best.score >= threshold;
    if (s.topic === null ? !hit : hit && s.best.name === s.topic) ok++;
  }
  return ok / scored.length;
}
