import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seededRandom, type ChatMessage, type ChatParams } from '../../../src/core/index.js';
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
  it('keeps the v2 encoding: the same digests as when v2 was introduced (entries stored earlier still hit)', () => {
    expect(responseCacheKey(baseInput())).toBe('144dccfa0a7517db3ce877238f78bbfb4426ba85342ed94a0455e59eaf63867b');
    const odd = { tenant: 'default', route: 'bench', model: 'up', messages: [{ role: 'user' as const, content: 'Hé "quoted" \\ \u2028 😀' }], params: { temperature: 0 } };
    expect(responseCacheKey(odd)).toBe('d5b62c49ec0b852d0283ecc70a606cdae9d99e31c99dd5407db211ff42eeb4a0');
  });

  it('hashes exactly the JSON text of the sorted request object, absent fields left out', () => {
    const reference = (i: ResponseCacheKeyInput): string =>
      createHash('sha256')
        .update(
          JSON.stringify({
            messages: i.messages.map((m) => ({ content: m.content, name: m.name, role: m.role, toolCallId: m.toolCallId, toolCalls: m.toolCalls?.length ? m.toolCalls.map((c) => ({ arguments: c.arguments, id: c.id, name: c.name })) : undefined })),
            model: i.model,
            params: { maxTokens: i.params.maxTokens, stop: i.params.stop?.length ? i.params.stop : undefined, temperature: i.params.temperature, topP: i.params.topP },
            route: i.route,
            tenant: i.tenant,
            v: 'strata.response-cache.v2',
          }),
        )
        .digest('hex');
    const random = seededRandom(7);
    const pick = <T,>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
    const texts = ['', 'hi', ' spaced  out ', 'quote " and \\ backslash', 'line\nbreak\ttab', 'ünïcødé ✓ 😀', '\u0000\u001f control'];
    for (let n = 0; n < 200; n++) {
      const messages: ChatMessage[] = Array.from({ length: 1 + Math.floor(random() * 4) }, () => {
        const m: ChatMessage = { role: pick(['system', 'user', 'assistant', 'tool'] as const), content: pick(texts) };
        if (random() < 0.3) m.name = pick(texts);
        if (random() < 0.3) m.toolCallId = `call_${n}`;
        if (random() < 0.3) m.toolCalls = random() < 0.5 ? [] : [{ id: `c${n}`, name: 'f', arguments: pick(texts) }];
        return m;
      });
      const params: ChatParams = {};
      if (random() < 0.5) params.temperature = pick([0, 0.5, 1]);
      if (random() < 0.5) params.topP = pick([0.9, 1]);
      if (random() < 0.5) params.maxTokens = pick([1, 256, 4096]);
      if (random() < 0.5) params.stop = random() < 0.5 ? [] : [pick(texts)];
      const input = { tenant: pick(['acme', 'a"b']), route: pick(['r', 'sup/port']), model: pick(['m', 'claude-haiku']), messages, params };
      expect(responseCacheKey(input)).toBe(reference(input));
    }
  });

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
