import { describe, expect, it } from 'vitest';
import { semanticCacheScope, semanticCacheText } from '../../../src/gateway/cache/index.js';

describe('semanticCacheText', () => {
  it('embeds the system prompt and the user question of a single-turn request', () => {
    expect(
      semanticCacheText([
        { role: 'system', content: 'You answer billing questions.' },
        { role: 'user', content: 'How do I get a refund?' },
      ]),
    ).toBe('You answer billing questions.\n\nHow do I get a refund?');
  });

  it('keeps every user message of the turn, so different attached documents do not match', () => {
    const text = semanticCacheText([
      { role: 'user', content: 'Document: invoice 42 …' },
      { role: 'user', content: 'Summarise it.' },
    ]);
    expect(text).toContain('invoice 42');
    expect(text).toContain('Summarise it.');
  });

  it('declines multi-turn conversations, whose last question depends on earlier turns', () => {
    expect(
      semanticCacheText([
        { role: 'user', content: 'Translate hello to Spanish.' },
        { role: 'assistant', content: 'Hola.' },
        { role: 'user', content: 'And to French?' },
      ]),
    ).toBeUndefined();
    expect(
      semanticCacheText([
        { role: 'user', content: 'Weather?' },
        { role: 'tool', content: '{"t":1}', toolCallId: 'c' },
      ]),
    ).toBeUndefined();
  });

  it('declines requests without user text', () => {
    expect(semanticCacheText([{ role: 'system', content: 'Be brief.' }])).toBeUndefined();
    expect(semanticCacheText([{ role: 'user', content: '   ' }])).toBeUndefined();
    expect(semanticCacheText([])).toBeUndefined();
  });
});

describe('semanticCacheScope', () => {
  it('separates models and parameter sets within a route, whatever the key order', () => {
    const base = semanticCacheScope({ route: 'support', model: 'haiku', params: { temperature: 0, maxTokens: 100 } });
    expect(base.startsWith('support#')).toBe(true);
    expect(semanticCacheScope({ route: 'support', model: 'haiku', params: { maxTokens: 100, temperature: 0 } })).toBe(base);
    expect(semanticCacheScope({ route: 'support', model: 'sonnet', params: { temperature: 0, maxTokens: 100 } })).not.toBe(base);
    expect(semanticCacheScope({ route: 'support', model: 'haiku', params: { temperature: 0, maxTokens: 200 } })).not.toBe(base);
  });
});
