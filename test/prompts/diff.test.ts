import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/prompts/index.js';

const labels = { from: 'p@1', to: 'p@2' };
const lines = (n: number, from = 1): string => Array.from({ length: n }, (_, i) => `line ${i + from}`).join('\n') + '\n';

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', labels)).toBe('');
    expect(unifiedDiff('', '', labels)).toBe('');
  });

  it('shows a one-line change with three lines of context', () => {
    const a = lines(10);
    const b = a.replace('line 5\n', 'line five\n');
    expect(unifiedDiff(a, b, labels)).toBe(['--- p@1', '+++ p@2', '@@ -2,7 +2,7 @@', ' line 2', ' line 3', ' line 4', '-line 5', '+line five', ' line 6', ' line 7', ' line 8', ''].join('\n'));
  });

  it('splits distant changes into hunks and merges near ones', () => {
    const a = lines(30);
    const far = a.replace('line 3\n', 'x\n').replace('line 25\n', '');
    expect(unifiedDiff(a, far, labels)).toBe(
      ['--- p@1', '+++ p@2', '@@ -1,6 +1,6 @@', ' line 1', ' line 2', '-line 3', '+x', ' line 4', ' line 5', ' line 6', '@@ -22,7 +22,6 @@', ' line 22', ' line 23', ' line 24', '-line 25', ' line 26', ' line 27', ' line 28', ''].join('\n'),
    );
    // 6 unchanged lines between two changes: their contexts touch, so one hunk
    const near = a.replace('line 3\n', 'x\n').replace('line 10\n', 'y\n');
    const out = unifiedDiff(a, near, labels);
    expect(out.match(/^@@/gm)).toHaveLength(1);
    expect(out).toContain('@@ -1,13 +1,13 @@');
  });

  it('handles insertions into and deletions from empty texts the way diff -u prints them', () => {
    expect(unifiedDiff('', 'a\nb\n', labels)).toBe('--- p@1\n+++ p@2\n@@ -0,0 +1,2 @@\n+a\n+b\n');
    expect(unifiedDiff('a\n', '', labels)).toBe('--- p@1\n+++ p@2\n@@ -1 +0,0 @@\n-a\n');
    expect(unifiedDiff('a\nc\n', 'a\nb\nc\n', labels)).toBe('--- p@1\n+++ p@2\n@@ -1,2 +1,3 @@\n a\n+b\n c\n');
  });

  it('finds the longest common subsequence, deletions before insertions', () => {
    const out = unifiedDiff('a\nb\nc\nd\ne\n', 'a\nc\nx\ne\nb\n', labels);
    expect(out).toBe(['--- p@1', '+++ p@2', '@@ -1,5 +1,5 @@', ' a', '-b', ' c', '-d', '+x', ' e', '+b', ''].join('\n'));
  });
});
