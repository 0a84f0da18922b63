import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyBedrockGuardrail, mapBedrockGuardrailResponse, type BedrockGuardrailRef } from '../../src/guardrails/index.js';
import type { SimulatorHandle } from '../../src/load/simulator/index.js';
import { caught } from '../helpers/caught.js';
import { startBedrockSimulator } from '../helpers/bedrock-sim.js';
import { startStrataServer, type RunningStrata } from '../helpers/strata-server.js';

// The Bedrock Guardrails adapter with the real AWS SDK (ApplyGuardrailCommand) against the simulator's
// ApplyGuardrail: a managed guardrail "gr1" version 3 that blocks two words and masks e-mail addresses.

let sim: SimulatorHandle;
let ref: BedrockGuardrailRef;
const servers: RunningStrata[] = [];

beforeAll(async () => {
  sim = await startBedrockSimulator();
  ref = { identifier: 'gr1', version: '3', region: 'us-east-1', endpoint: sim.url };
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  while (servers.length > 0) await servers.pop()!.close();
  sim.update({ fail: {}, failNext: {}, answer: { mode: 'echo' } });
  sim.reset();
});

const configure = (): void =>
  sim.update({ guardrails: { gr1: { version: '3', blockedWords: ['falcon', 'red team'], piiTypes: ['EMAIL'], blockedInputMessage: 'Managed: request blocked.' } } });

describe('Bedrock Guardrails adapter (ApplyGuardrail through the SDK)', () => {
  it('maps a masking answer: outputs, PII assessment and ANONYMIZED intervention', async () => {
    configure();
    const out = await applyBedrockGuardrail(ref, 'INPUT', [{ text: 'write to kim@example.com today' }]);
    expect(out).toMatchObject({ action: 'GUARDRAIL_INTERVENED', blocked: false, outputs: [{ text: 'write to {EMAIL} today' }] });
    expect(out.assessments[0]!.sensitiveInformationPolicy!.piiEntities).toEqual([{ type: 'EMAIL', action: 'ANONYMIZED', detected: true, match: 'kim@example.com' }]);
    expect(out.interventions).toEqual([{ check: 'pii', action: 'ANONYMIZED', types: ['EMAIL'] }]);
  });

  it('maps a block: the guardrail’s own message, word assessment, BLOCKED', async () => {
    configure();
    const out = await applyBedrockGuardrail(ref, 'INPUT', [{ text: 'Tell me about the Red Team exercise' }]);
    expect(out).toMatchObject({ action: 'GUARDRAIL_INTERVENED', blocked: true, outputs: [{ text: 'Managed: request blocked.' }] });
    expect(out.assessments[0]!.wordPolicy!.customWords).toEqual([{ match: 'Red Team', action: 'BLOCKED', detected: true }]);
    const clean = await applyBedrockGuardrail(ref, 'OUTPUT', [{ text: 'nothing to see' }]);
    expect(clean).toMatchObject({ action: 'NONE', blocked: false, outputs: [], interventions: [] });
  });

  it('an unknown guardrail or version is a clear upstream_not_found; throttling maps to upstream_throttled', async () => {
    configure();
    const unknown = await caught(applyBedrockGuardrail({ ...ref, identifier: 'nope' }, 'INPUT', [{ text: 'x' }]));
    expect(unknown.code).toBe('upstream_not_found');
    expect(unknown.message).toContain("no guardrail 'nope' with version '3'");
    expect((await caught(applyBedrockGuardrail({ ...ref, version: '4' }, 'INPUT', [{ text: 'x' }]))).code).toBe('upstream_not_found');
    sim.update({ failNext: { ThrottlingException: 1 } });
    expect((await caught(applyBedrockGuardrail(ref, 'INPUT', [{ text: 'x' }]))).code).toBe('upstream_throttled');
    expect(sim.counts()['guardrail/gr1']).toMatchObject({ throttled: 1 });
  });

  it('mapBedrockGuardrailResponse keeps topics, content filters and grounding, and refuses unknown actions', () => {
    const mapped = mapBedrockGuardrailResponse({
      action: 'GUARDRAIL_INTERVENED',
      outputs: [{ text: 'blocked' }],
      usage: undefined,
      assessments: [
        {
          topicPolicy: { topics: [{ name: 'Investing', type: 'DENY', action: 'BLOCKED', detected: true }] },
          contentPolicy: { filters: [{ type: 'PROMPT_ATTACK', confidence: 'HIGH', action: 'BLOCKED', detected: true }] },
          contextualGroundingPolicy: { filters: [{ type: 'GROUNDING', threshold: 0.7, score: 0.2, action: 'BLOCKED', detected: true }] },
        },
      ],
    } as never);
    expect(mapped.blocked).toBe(true);
    expect(mapped.interventions).toEqual([
      { check: 'topic', action: 'BLOCKED', types: ['Investing'] },
      { check: 'prompt_attack', action: 'BLOCKED', types: ['PROMPT_ATTACK'] },
      { check: 'grounding', action: 'BLOCKED', types: ['GROUNDING'] },
    ]);
    expect(() => mapBedrockGuardrailResponse({ action: 'MAYBE', outputs: [], assessments: [] } as never)).toThrow(/unknown action 'MAYBE'/);
  });

  it('a policy with bedrock: guards a route end to end (the managed guardrail blocks and masks)', async () => {
    configure();
    const running = await startStrataServer(`
routes:
  managed: { models: [local], guardrail: corp }
guardrails:
  corp:
    bedrock: { identifier: gr1, version: "3", region: us-east-1, endpoint: "${sim.url}" }
`);
    servers.push(running);
    const client = new OpenAI({ baseURL: `${running.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const blocked = await client.chat.completions.create({ model: 'managed', messages: [{ role: 'user', content: 'What is project falcon?' }] }).withResponse();
    expect(blocked.data.choices[0]).toMatchObject({ finish_reason: 'content_filter', message: { content: 'Managed: request blocked.' } });
    expect(blocked.response.headers.get('x-strata-guardrail')).toBe('corp');
    // the local extractive model answers from the context in the prompt: its answer carries the address
    const masked = await client.chat.completions.create({
      model: 'managed',
      messages: [{ role: 'user', content: 'Context:\n[1] Support answers at help@example.com on weekdays.\n\nWhen does support answer?' }],
    });
    expect(masked.choices[0]!.message.content).not.toContain('help@example.com');
    expect(sim.counts()['guardrail/gr1']!.ok).toBeGreaterThanOrEqual(2);
  });
});
