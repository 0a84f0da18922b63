import { describe, expect, it } from 'vitest';
import type { ChatMessage, ChatParams } from '../../../src/core/index.js';
import { responseCacheKey, type ResponseCacheKeyInput } from '../../../src/gateway/cache/index.js';

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city'] },
};

function baseInput(): ResponseCacheKeyInput {
  return {
    tenant: 'acme',
    route: 'support',
    model: 'claude-haiku',
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'What is the weather in Paris?' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
      { role: 'tool', content: '{"temp":18}', toolCallId: 'call_1', name: 'get_weather' },
    ],
    params: { temperature: 0, topP: 1, maxTokens: 256, stop: ['END'], tools: [weatherTool], toolChoice: 'auto' },
  };
}

function keyWith(change: (input: ResponseCacheKeyInput) => void): string {
  const input = baseInput();
  change(input);
  return responseCacheKey(input);
}

function withMessage(index: number, change: (m: ChatMessage) => void): (input: ResponseCacheKeyInput) => void {
  return (input) => change(input.messages[index]!);
}

describe('responseCacheKey', () => {
  it('is a stable hex SHA-256 for the same request', () => {
    const a = responseCacheKey(baseInput());
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(responseCacheKey(baseInput())).toBe(a);
  });

  it('changes when tenant, route or model changes', () => {
    const base = responseCacheKey(baseInput());
    expect(keyWith((i) => (i.tenant = 'globex'))).not.toBe(base);
    expect(keyWith((i) => (i.route = 'sales'))).not.toBe(base);
    expect(keyWith((i) => (i.model = 'claude-sonnet'))).not.toBe(base);
  });

  it('keeps tenants apart even when names could be concatenated alike', () => {
    const a = keyWith((i) => {
      i.tenant = 'a';
      i.route = 'b:c';
    });
    const b = keyWith((i) => {
      i.tenant = 'a:b';
      i.route = 'c';
    });
    expect(a).not.toBe(b);
  });

  it('changes when any part of any message changes, including whitespace', () => {
    const base = responseCacheKey(baseInput());
    const variants = [
      withMessage(1, (m) => (m.content = 'What is the weather in Paris? ')),
      withMessage(1, (m) => (m.content = 'what is the weather in Paris?')),
      withMessage(0, (m) => (m.role = 'user')),
      withMessage(2, (m) => (m.toolCalls = [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Lyon"}' }])),
      withMessage(2, (m) => (m.toolCalls = [{ id: 'call_2', name: 'get_weather', arguments: '{"city":"Paris"}' }])),
      withMessage(3, (m) => (m.toolCallId = 'call_9')),
      withMessage(3, (m) => (m.name = 'other_tool')),
      (i: ResponseCacheKeyInput) => i.messages.pop(),
      (i: ResponseCacheKeyInput) => i.messages.reverse(),
    ];
    const keys = variants.map((v) => keyWith(v));
    for (const k of keys) expect(k).not.toBe(base);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('changes when any answer-changing parameter changes', () => {
    const base = responseCacheKey(baseInput());
    const changes: ((p: ChatParams) => void)[] = [
      (p) => (p.temperature = 0.7),
      (p) => delete p.temperature,
      (p) => (p.topP = 0.9),
      (p) => (p.maxTokens = 512),
      (p) => (p.stop = ['STOP']),
      (p) => delete p.stop,
      (p) => delete p.tools,
      (p) => (p.tools = [{ ...weatherTool, description: 'Weather now' }]),
      (p) => (p.toolChoice = 'required'),
      (p) => (p.toolChoice = { name: 'get_weather' }),
    ];
    const keys = changes.map((c) => keyWith((i) => c(i.params)));
    for (const k of keys) expect(k).not.toBe(base);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('does not depend on the key order of parameters or tool schemas', () => {
    const base = responseCacheKey(baseInput());
    const reordered = keyWith((i) => {
      i.params = {
        toolChoice: 'auto',
        tools: [
          {
            parameters: { required: ['city'], properties: { unit: { enum: ['c', 'f'], type: 'string' }, city: { type: 'string' } }, type: 'object' },
            description: 'Current weather for a city',
            name: 'get_weather',
          },
        ],
        stop: ['END'],
        maxTokens: 256,
        topP: 1,
        temperature: 0,
      };
    });
    expect(reordered).toBe(base);
  });

  it('treats an absent optional field like one set to undefined, and an empty stop list like none', () => {
    const plain = keyWith((i) => (i.params = { temperature: 0 }));
    expect(keyWith((i) => (i.params = { temperature: 0, topP: undefined, stop: [] }))).toBe(plain);
  });

  it('keeps array order: the order of enum values in a tool schema is part of the prompt', () => {
    const base = responseCacheKey(baseInput());
    const swapped = keyWith((i) => {
      i.params.tools = [{ ...weatherTool, parameters: { ...weatherTool.parameters, required: ['city'], properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['f', 'c'] } } } }];
    });
    expect(swapped).not.toBe(base);
  });
});
