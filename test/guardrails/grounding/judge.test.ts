import { describe, expect, it } from 'vitest';
import { parseJudgeOutput, scoreGroundingWithJudge, verdictScore } from '../../../src/guardrails/grounding/index.js';
import type { JudgeChatFunction } from '../../../src/guardrails/types.js';
import { ScriptedModel } from '../../helpers/scripted-model.js';
import { caught } from '../../helpers/caught.js';

const input = {
  sources: ['The museum is open from 9 am to 5 pm, Tuesday to Sunday. It is closed on Mondays.', 'Entry is free for children under 12.'],
  question: 'Is the museum open on Mondays?',
  answer: 'No, the museum is closed on Mondays. Guided tours cost 7 euros.',
};

/** A judge backed by a ScriptedModel (the gateway's ChatModel), recording the prompts it was sent. */
function scriptedJudge(replies: string[]): { chat: JudgeChatFunction; prompts: string[] } {
  const model = new ScriptedModel('judge', replies.map((ok) => ({ ok })));
  const prompts: string[] = [];
  const chat: JudgeChatFunction = async (messages) => {
    prompts.push(messages.map((m) => m.content).join('\n'));
    return (await model.chat({ messages, params: {} })).text;
  };
  return { chat, prompts };
}

describe('scoreGroundingWithJudge', () => {
  it('sends numbered sources and claims and uses the verdicts and relevance', async () => {
    const { chat, prompts } = scriptedJudge(['{"claims":[{"id":1,"verdict":"supported"},{"id":2,"verdict":"unsupported"}],"relevance":0.9}']);
    const r = await scoreGroundingWithJudge(chat, input);
    expect(prompts[0]).toContain('[1] The museum is open');
    expect(prompts[0]).toContain('1. No, the museum is closed on Mondays.');
    expect(prompts[0]).toContain('2. Guided tours cost 7 euros.');
    expect(r.method).toBe('judge');
    expect(r.claims.map((c) => c.supported)).toEqual([true, false]);
    expect(r.grounding).toBe(0.5);
    expect(r.relevance).toBe(0.9);
    expect(r.judge).toEqual({ parsed: true, verdicts: 2 });
  });

  it('keeps the numbers-and-entities rule even when the judge says supported', async () => {
    const { chat } = scriptedJudge(['{"claims":[{"id":1,"verdict":"supported"},{"id":2,"verdict":"supported"}]}']);
    const r = await scoreGroundingWithJudge(chat, input);
    expect(r.claims[1]!.supported).toBe(false);
    expect(r.claims[1]!.missingNumbers).toEqual(['7']);
  });

  it('reads JSON wrapped in prose and code fences, with trailing commas and verdict synonyms', async () => {
    const reply = 'Sure! Here is my assessment:\n```json\n{"claims": [{"id": "1", "verdict": "Fully supported",}, {"id": 2, "verdict": "NOT_SUPPORTED"},], "relevance": "0.8"}\n```\nHope this helps.';
    const { chat } = scriptedJudge([reply]);
    const r = await scoreGroundingWithJudge(chat, input);
    expect(r.claims.map((c) => c.score)).toEqual([1, 0]);
    expect(r.relevance).toBe(0.8);
  });

  it('falls back to the local score for claims the judge skipped', async () => {
    const { chat } = scriptedJudge(['{"claims":[{"id":2,"verdict":"partial"}]}']);
    const r = await scoreGroundingWithJudge(chat, input);
    expect(r.judge.verdicts).toBe(1);
    expect(r.claims[0]!.supported).toBe(true); // local scoring supports claim 1
  });

  it('falls back to local scoring on unreadable output, or throws when asked to', async () => {
    const { chat } = scriptedJudge(['I think the answer looks mostly fine to me.']);
    const r = await scoreGroundingWithJudge(chat, input);
    expect(r.method).toBe('lexical');
    expect(r.judge.parsed).toBe(false);
    expect(r.claims.length).toBe(2);
    const e = await caught(scoreGroundingWithJudge(chat, input, { onMalformed: 'error' }));
    expect(e.code).toBe('upstream_model_error');
  });

  it('does not call the judge when the answer makes no claim', async () => {
    const { chat, prompts } = scriptedJudge(['{}']);
    const r = await scoreGroundingWithJudge(chat, { ...input, answer: "I don't know." });
    expect(prompts).toEqual([]);
    expect(r.grounding).toBe(1);
  });
});

describe('parseJudgeOutput', () => {
  it.each([
    ['a bare array', '[{"verdict":"supported"},{"verdict":"unsupported"}]', [1, 0]],
    ['single quotes', "{'claims': [{'id': 1, 'verdict': 'supported'}, {'id': 2, 'verdict': 'partial'}]}", [1, 0.5]],
    ['numeric scores', '{"claims":[{"id":1,"score":0.7},{"id":2,"score":"0.2"}]}', [0.7, 0.2]],
    ['boolean verdicts', '{"verdicts":[{"id":1,"supported":true},{"id":2,"supported":false}]}', [1, 0]],
    ['plain lines', 'Claim 1: supported\nClaim 2: not supported', [1, 0]],
    ['a truncated object', '{"claims":[{"id":1,"verdict":"supported"},{"id":2,"verdict":"unsupported"}', [1, 0]],
  ])('reads %s', (_what, text, scores) => {
    const v = parseJudgeOutput(text, 2);
    expect(v).toBeDefined();
    expect([v!.claims.get(1), v!.claims.get(2)]).toEqual(scores);
  });

  it('ignores out-of-range ids and unknown verdicts, and gives up on empty output', () => {
    expect(parseJudgeOutput('{"claims":[{"id":9,"verdict":"supported"},{"id":1,"verdict":"maybe"}]}', 2)).toBeUndefined();
    expect(parseJudgeOutput('', 2)).toBeUndefined();
    expect(parseJudgeOutput('{"relevance": 1.7}', 2)).toBeUndefined();
  });

  it('maps verdict words', () => {
    expect(verdictScore('Unsupported')).toBe(0);
    expect(verdictScore('partially supported')).toBe(0.5);
    expect(verdictScore('SUPPORTED')).toBe(1);
    expect(verdictScore('unclear')).toBeUndefined();
  });
});
