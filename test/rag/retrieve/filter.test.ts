import { describe, expect, it } from 'vitest';
import { StrataError } from '../../../src/core/index.js';
import { matchesFilter, parseRetrievalFilter, type Metadata } from '../../../src/rag/retrieve/index.js';

function parseError(raw: unknown): StrataError {
  try {
    parseRetrievalFilter(raw);
  } catch (e) {
    if (e instanceof StrataError) return e;
    throw e;
  }
  throw new Error('expected the filter to be rejected');
}

describe('parseRetrievalFilter', () => {
  it('accepts every operator and nesting, returning an equal plain object', () => {
    const raw = {
      orAll: [
        { andAll: [{ equals: { key: 'genre', value: 'cooking' } }, { greaterThan: { key: 'year', value: 2018 } }] },
        { in: { key: 'genre', value: ['sports', 'news'] } },
        { notIn: { key: 'n', value: [1, 2] } },
        { notEquals: { key: 'draft', value: true } },
        { greaterThanOrEquals: { key: 'y', value: 1 } },
        { lessThan: { key: 'y', value: 1 } },
        { lessThanOrEquals: { key: 'y', value: 1.5 } },
        { startsWith: { key: 'author', value: 'C' } },
        { listContains: { key: 'tags', value: 'x' } },
        { stringContains: { key: 'title', value: 'at' } },
      ],
    };
    expect(parseRetrievalFilter(raw)).toEqual(raw);
  });

  it.each([
    [{ equal: { key: 'a', value: 1 } }, 'filter.equal', /unknown operator/],
    [{ equals: { key: 'a', value: 1 }, notEquals: { key: 'a', value: 2 } }, 'filter', /exactly one operator/],
    [{}, 'filter', /exactly one operator/],
    [[], 'filter', /got a list/],
    [{ andAll: [{ equals: { key: 'a', value: 1 } }] }, 'filter.andAll', /at least 2/],
    [{ orAll: { equals: { key: 'a', value: 1 } } }, 'filter.orAll', /list of filters/],
    [{ andAll: [{ equals: { key: 'a', value: 1 } }, { lessThan: { key: 'y', value: '1989' } }] }, 'filter.andAll[1].lessThan.value', /expected a number/],
    [{ in: { key: 'a', value: 'x' } }, 'filter.in.value', /list/],
    [{ in: { key: 'a', value: [] } }, 'filter.in.value', /non-empty/],
    [{ notIn: { key: 'a', value: ['x', { y: 1 }] } }, 'filter.notIn.value[1]', /string, number or boolean/],
    [{ equals: { key: 'a', value: null } }, 'filter.equals.value', /got null/],
    [{ equals: { key: 'a', value: [1] } }, 'filter.equals.value', /got a list/],
    [{ equals: { key: '', value: 1 } }, 'filter.equals.key', /non-empty string/],
    [{ equals: { key: 'a' } }, 'filter.equals.value', /missing/],
    [{ equals: { key: 'a', value: 1, extra: 2 } }, 'filter.equals.extra', /unknown field/],
    [{ startsWith: { key: 'a', value: 1 } }, 'filter.startsWith.value', /expected a string/],
    [{ listContains: 'a' }, 'filter.listContains', /expected \{"key", "value"\}/],
  ])('rejects %j at %s', (raw, path, message) => {
    const e = parseError(raw);
    expect(e.code).toBe('invalid_request');
    expect(e.status).toBe(400);
    expect(e.details).toEqual({ path });
    expect(e.message).toContain(path);
    expect(e.message).toMatch(message);
  });

  it('enforces the depth limit', () => {
    const leaf = { equals: { key: 'a', value: 1 } };
    let f: unknown = leaf;
    for (let i = 0; i < 5; i++) f = { andAll: [f, leaf] };
    expect(() => parseRetrievalFilter(f)).not.toThrow();
    const e = parseError({ orAll: [f, leaf] });
    expect(e.message).toMatch(/deeper than 5/);
    expect(() => parseRetrievalFilter({ andAll: [{ andAll: [leaf, leaf] }, leaf] }, { maxDepth: 1 })).toThrow(/filter\.andAll\[0\]\.andAll/);
  });
});

describe('matchesFilter (Bedrock semantics)', () => {
  const doc: Metadata = { genre: 'cooking', year: 2019, draft: false, tags: ['quick', 'vegan'], author: 'Carla' };
  const m = (raw: unknown, md: Metadata = doc) => matchesFilter(parseRetrievalFilter(raw), md);

  it('compares with strict types', () => {
    expect(m({ equals: { key: 'year', value: 2019 } })).toBe(true);
    expect(m({ equals: { key: 'year', value: '2019' } })).toBe(false);
    expect(m({ equals: { key: 'draft', value: false } })).toBe(true);
    expect(m({ equals: { key: 'draft', value: 0 } })).toBe(false);
    expect(m({ equals: { key: 'genre', value: 'Cooking' } })).toBe(false); // case-sensitive
    expect(m({ greaterThan: { key: 'genre', value: 1 } })).toBe(false);
  });

  it('never matches a missing key, not even with notEquals or notIn', () => {
    // The API reference: "data sources that contain a metadata attribute whose name matches the key and whose
    // value doesn't match the value … are returned".
    expect(m({ notEquals: { key: 'missing', value: 'x' } })).toBe(false);
    expect(m({ notIn: { key: 'missing', value: ['x'] } })).toBe(false);
    expect(m({ notEquals: { key: 'genre', value: 'sports' } })).toBe(true);
    expect(m({ notEquals: { key: 'genre', value: 'cooking' } })).toBe(false);
    expect(m({ notIn: { key: 'genre', value: ['sports', 'news'] } })).toBe(true);
  });

  it('treats lists as lists: listContains and stringContains see members, equals and in do not', () => {
    expect(m({ listContains: { key: 'tags', value: 'vegan' } })).toBe(true);
    expect(m({ listContains: { key: 'tags', value: 'vega' } })).toBe(false);
    expect(m({ listContains: { key: 'genre', value: 'cooking' } })).toBe(false);
    expect(m({ stringContains: { key: 'tags', value: 'ega' } })).toBe(true);
    expect(m({ stringContains: { key: 'genre', value: 'ook' } })).toBe(true);
    expect(m({ equals: { key: 'tags', value: 'vegan' } })).toBe(false);
    expect(m({ in: { key: 'tags', value: ['vegan'] } })).toBe(false);
    expect(m({ startsWith: { key: 'tags', value: 'qu' } })).toBe(false);
    expect(m({ startsWith: { key: 'author', value: 'C' } })).toBe(true);
  });

  it('compares numbers at the boundaries', () => {
    expect(m({ greaterThan: { key: 'year', value: 2019 } })).toBe(false);
    expect(m({ greaterThanOrEquals: { key: 'year', value: 2019 } })).toBe(true);
    expect(m({ lessThan: { key: 'year', value: 2019 } })).toBe(false);
    expect(m({ lessThanOrEquals: { key: 'year', value: 2019 } })).toBe(true);
  });

  it('combines with andAll and orAll (the user guide example)', () => {
    // Written after 2018 and genre "entertainment", or genre cooking/sports and author starting with "C".
    const f = {
      orAll: [
        { andAll: [{ greaterThan: { key: 'year', value: 2018 } }, { equals: { key: 'genre', value: 'entertainment' } }] },
        { andAll: [{ in: { key: 'genre', value: ['cooking', 'sports'] } }, { startsWith: { key: 'author', value: 'C' } }] },
      ],
    };
    expect(m(f)).toBe(true);
    expect(m(f, { ...doc, author: 'Dan' })).toBe(false);
    expect(m(f, { genre: 'entertainment', year: 2020 })).toBe(true);
  });

  it('does not read inherited properties as metadata', () => {
    expect(m({ stringContains: { key: 'constructor', value: 'Object' } }, {})).toBe(false);
  });
});
