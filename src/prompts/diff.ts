/*
 * A small line-based unified diff (the format of `diff -u` and `git diff`), from a longest common
 * subsequence. Prompt files are small, so the quadratic table is fine; the common head and tail are
 * cut off first so that the usual one-line edit costs almost nothing.
 */

type Op = { kind: ' ' | '-' | '+'; line: string };

/** Above this many table cells the two middles are shown as replaced wholesale (still a correct diff). */
const MAX_TABLE_CELLS = 16_000_000;

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  // A final newline ends the last line; it does not start an empty one.
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** The edit script turning a into b: kept, deleted and inserted lines in order. */
function editScript(a: readonly string[], b: readonly string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  const ops: Op[] = a.slice(0, head).map((line) => ({ kind: ' ', line }));
  const n = x.length;
  const m = y.length;
  if ((n + 1) * (m + 1) > MAX_TABLE_CELLS) {
    for (const line of x) ops.push({ kind: '-', line });
    for (const line of y) ops.push({ kind: '+', line });
  } else {
    // lcs[i * (m + 1) + j] = length of the LCS of x[i..] and y[j..]
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = x[i] === y[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && x[i] === y[j]) {
        ops.push({ kind: ' ', line: x[i++]! });
        j++;
      } else if (j >= m || (i < n && lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!)) {
        // Deletions before insertions on ties, as diff and git print them.
        ops.push({ kind: '-', line: x[i++]! });
      } else {
        ops.push({ kind: '+', line: y[j++]! });
      }
    }
  }
  for (const line of a.slice(a.length - tail)) ops.push({ kind: ' ', line });
  return ops;
}

function range(start: number, count: number): string {
  // An empty range names the line before it, as diff does (`-0,0` for an empty file).
  const first = count === 0 ? start - 1 : start;
  return count === 1 ? `${first}` : `${first},${count}`;
}

/**
 * A unified diff of two texts with `context` unchanged lines around each change (default 3), under
 * `--- fromLabel` / `+++ toLabel` headers; the empty string when the texts have the same lines.
 */
export function unifiedDiff(a: string, b: string, labels: { from: string; to: string }, context = 3): string {
  const ops = editScript(splitLines(a), splitLines(b));
  const changed = ops.flatMap((op, i) => (op.kind === ' ' ? [] : [i]));
  if (changed.length === 0) return '';
  const out = [`--- ${labels.from}`, `+++ ${labels.to}`];
  let k = 0;
  while (k < changed.length) {
    // A hunk runs while the gap to the next change is small enough for their contexts to touch.
    let last = k;
    while (last + 1 < changed.length && changed[last + 1]! - changed[last]! <= 2 * context + 1) last++;
    const start = Math.max(0, changed[k]! - context);
    const end = Math.min(ops.length, changed[last]! + context + 1);
    let oldLine = 1;
    let newLine = 1;
    for (let i = 0; i < start; i++) {
      if (ops[i]!.kind !== '+') oldLine++;
      if (ops[i]!.kind !== '-') newLine++;
    }
    const body = ops.slice(start, end);
    const oldCount = body.filter((op) => op.kind !== '+').length;
    const newCount = body.filter((op) => op.kind !== '-').length;
    out.push(`@@ -${range(oldLine, oldCount)} +${range(newLine, newCount)} @@`);
    for (const op of body) out.push(`${op.kind}${op.line}`);
    k = last + 1;
  }
  return `${out.join('\n')}\n`;
}
