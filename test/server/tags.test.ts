import { describe, expect, it } from 'vitest';
import { parseTags } from '../../src/server/request-common.js';

describe('parseTags (x-strata-tags)', () => {
  it('parses key=value pairs, trimming spaces', () => {
    expect(parseTags('feature=chat, segment=pro')).toEqual({ feature: 'chat', segment: 'pro' });
    expect(parseTags(undefined)).toEqual({});
    expect(parseTags('')).toEqual({});
    expect(parseTags('ver=v1.2:beta_3-x')).toEqual({ ver: 'v1.2:beta_3-x' });
  });

  it.each([
    ['feature', /not key=value/],
    ['Feature=chat', /invalid key 'Feature'/],
    ['1x=chat', /invalid key/],
    [`${'k'.repeat(33)}=v`, /invalid key/],
    ['feature=', /invalid value for 'feature'/],
    [`feature=${'v'.repeat(65)}`, /invalid value/],
    ['feature=a b', /invalid value/],
    ['feature=chat,feature=search', /'feature' appears more than once/],
    [Array.from({ length: 11 }, (_, i) => `k${i}=v`).join(','), /11 tags; at most 10/],
  ])('rejects %s', (header, message) => {
    expect(() => parseTags(header)).toThrow(message);
    try {
      parseTags(header);
    } catch (e) {
      expect(e).toMatchObject({ code: 'invalid_request', status: 400 });
    }
  });

  it('accepts exactly 10 tags and 64-character values', () => {
    const ten = Array.from({ length: 10 }, (_, i) => `k${i}=${'v'.repeat(64)}`).join(',');
    expect(Object.keys(parseTags(ten))).toHaveLength(10);
  });
});
