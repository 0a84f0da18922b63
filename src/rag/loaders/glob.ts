import { StrataError } from '../../core/index.js';

/*
 * A small glob matcher over `/`-separated relative paths. Node's `path.matchesGlob` is
 * experimental on Node 20 (it prints a warning and its semantics may still move), so the few
 * rules ingestion needs are implemented here:
 *   `*`  any characters within one path segment      `?`  one character within a segment
 *   `**` as a whole segment: zero or more segments   `{a,b}` alternatives (may nest, may hold `/`)
 *   `[abc]`, `[a-z]`, `[!abc]` one character from a class   `\x` a literal x
 * Patterns are anchored at the ingest root, like minimatch without matchBase: `*.md` matches
 * only top-level files, `**\/*.md` matches them at any depth.
 */

const MAX_EXPANSIONS = 256;
const REGEX_SPECIALS = new Set(['.', '+', '^', '$', '(', ')', '|', '{', '}', '[', ']', '\\', '/']);

/** Expands the first `{…,…}` group, recursively, into plain patterns. */
function expandBraces(pattern: string, out: string[]): void {
  let depth = 0;
  let open = -1;
  let hasComma = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') {
      if (depth === 0) {
        open = i;
        hasComma = false;
      }
      depth++;
    } else if (c === ',' && depth === 1) {
      hasComma = true;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0 && hasComma) {
        const head = pattern.slice(0, open);
        const tail = pattern.slice(i + 1);
        for (const alt of splitTopLevel(pattern.slice(open + 1, i))) {
          expandBraces(head + alt + tail, out);
          if (out.length > MAX_EXPANSIONS) {
            throw new StrataError('invalid_request', `Glob "${pattern}" expands to too many patterns.`);
          }
        }
        return;
      }
    }
  }
  out.push(pattern);
}

/** Splits brace contents on commas that are not inside a nested group. */
function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  return parts;
}

/** Regex source for one path segment (no `/` inside). */
function segmentSource(seg: string, pattern: string): string {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i] ?? '';
    if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '\\' && i + 1 < seg.length) {
      i++;
      re += escapeChar(seg[i] ?? '');
    } else if (c === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = seg.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      if (body.length === 0) throw new StrataError('invalid_request', `Glob "${pattern}" has an empty [] class.`);
      // inside a class only `\`, `]` and `^` are special to RegExp; `-` keeps its range meaning
      const escaped = body.replace(/[\\\]^]/g, (m) => `\\${m}`);
      re += negate ? `(?!/)[^${escaped}]` : `[${escaped}]`;
      i = close;
    } else {
      re += escapeChar(c);
    }
  }
  return re;
}

function escapeChar(c: string): string {
  return REGEX_SPECIALS.has(c) || c === '*' || c === '?' ? `\\${c}` : c;
}

/** Regex source for a brace-free pattern. */
function patternSource(pattern: string): string {
  const segs = pattern.split('/');
  let re = '';
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i] ?? '';
    const prevGlobstar = i > 0 && segs[i - 1] === '**';
    if (seg === '**') {
      if (i === segs.length - 1) re += i === 0 ? '.*' : prevGlobstar ? '.*' : '(?:/.*)?';
      else re += (i > 0 && !prevGlobstar ? '/' : '') + '(?:[^/]+/)*';
      continue;
    }
    if (i > 0 && !prevGlobstar) re += '/';
    re += segmentSource(seg, pattern);
  }
  return re;
}

/** Compiles glob patterns into one predicate over relative `/` paths. */
export function compileGlobs(patterns: readonly string[]): (relPath: string) => boolean {
  const sources: string[] = [];
  for (const raw of patterns) {
    const p = raw.replace(/^\.\//, '');
    if (p.length === 0) throw new StrataError('invalid_request', 'An empty glob pattern matches nothing; remove it.');
    const expanded: string[] = [];
    expandBraces(p, expanded);
    for (const e of expanded) sources.push(patternSource(e));
  }
  if (sources.length === 0) return () => false;
  const re = new RegExp(`^(?:${sources.join('|')})$`, 'u');
  return (relPath) => re.test(relPath);
}

/** True when relPath matches the glob. */
export function matchesGlob(relPath: string, pattern: string): boolean {
  return compileGlobs([pattern])(relPath);
}
