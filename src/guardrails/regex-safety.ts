// Checks a user-supplied regular expression before Strata runs it on every request: it must compile, and its
// structure must not allow catastrophic backtracking. A small parser builds the regex's tree; three structural
// rules (after the usual ReDoS analyses: star height, ambiguous alternation, overlapping adjacent quantifiers)
// reject patterns whose matching time can grow exponentially or polynomially with the input length.
import { StrataError, type StrataErrorCode } from '../core/index.js';

/** Longest pattern accepted: Bedrock's own limit for guardrail regexes is in the same range. */
export const MAX_REGEX_LENGTH = 2000;

/** A quantifier at or above this upper bound counts as unbounded: (a{1,50}){1,50} is as bad as (a+)+. */
const LARGE = 10;

/** A set of characters: 128 ASCII bits plus one bit for "some non-ASCII character". */
class CharSet {
  readonly bits = new Uint32Array(4);
  other = false;
  static any(): CharSet {
    const s = new CharSet();
    s.bits.fill(0xffffffff);
    s.other = true;
    return s;
  }
  add(c: number): void {
    if (c < 128) this.bits[c >> 5]! |= 1 << (c & 31);
    else this.other = true;
  }
  addRange(a: number, b: number): void {
    for (let c = a; c <= Math.min(b, 127); c++) this.add(c);
    if (b >= 128) this.other = true;
  }
  union(o: CharSet): void {
    for (let i = 0; i < 4; i++) this.bits[i]! |= o.bits[i]!;
    this.other ||= o.other;
  }
  negate(): void {
    for (let i = 0; i < 4; i++) this.bits[i] = ~this.bits[i]! >>> 0;
    this.other = true;
  }
  intersects(o: CharSet): boolean {
    for (let i = 0; i < 4; i++) if ((this.bits[i]! & o.bits[i]!) !== 0) return true;
    return this.other && o.other;
  }
  foldCase(): void {
    for (let c = 65; c <= 90; c++) {
      const hasUpper = (this.bits[c >> 5]! & (1 << (c & 31))) !== 0;
      const lc = c + 32;
      const hasLower = (this.bits[lc >> 5]! & (1 << (lc & 31))) !== 0;
      if (hasUpper || hasLower) {
        this.add(c);
        this.add(lc);
      }
    }
  }
}

type Node =
  | { k: 'char'; set: CharSet; from: number; to: number }
  | { k: 'seq'; items: Node[]; from: number; to: number }
  | { k: 'alt'; alts: Node[]; from: number; to: number }
  | { k: 'quant'; body: Node; min: number; max: number; from: number; to: number }
  | { k: 'zero'; body: Node | null; from: number; to: number } // anchors and lookarounds
  | { k: 'backref'; from: number; to: number };

const classOf = (kind: string): CharSet => {
  const s = new CharSet();
  const lower = kind.toLowerCase();
  if (lower === 'd') s.addRange(48, 57);
  else if (lower === 'w') {
    s.addRange(48, 57);
    s.addRange(65, 90);
    s.addRange(97, 122);
    s.add(95);
  } else if (lower === 's') {
    for (const c of [9, 10, 11, 12, 13, 32]) s.add(c);
    s.other = true;
  }
  if (kind !== lower) s.negate();
  return s;
};

/** A recursive-descent parser over the subset of syntax that matters for backtracking analysis. */
class Parser {
  i = 0;
  constructor(readonly src: string, readonly ignoreCase: boolean, readonly dotAll: boolean) {}

  parseAlt(): Node {
    const from = this.i;
    const alts: Node[] = [this.parseSeq()];
    while (this.src[this.i] === '|') {
      this.i++;
      alts.push(this.parseSeq());
    }
    return alts.length === 1 ? alts[0]! : { k: 'alt', alts, from, to: this.i };
  }

  parseSeq(): Node {
    const from = this.i;
    const items: Node[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const atomFrom = this.i;
      let atom = this.parseAtom();
      atom = this.parseQuantifier(atom, atomFrom);
      items.push(atom);
    }
    return { k: 'seq', items, from, to: this.i };
  }

  parseQuantifier(atom: Node, from: number): Node {
    const c = this.src[this.i];
    let min: number;
    let max: number;
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (!m) return atom;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      this.i += m[0].length - 1;
    } else return atom;
    this.i++;
    if (this.src[this.i] === '?') this.i++;
    return { k: 'quant', body: atom, min, max, from, to: this.i };
  }

  parseAtom(): Node {
    const from = this.i;
    const c = this.src[this.i++]!;
    if (c === '(') {
      let lookaround = false;
      if (this.src.startsWith('?:', this.i)) this.i += 2;
      else if (/^\?<?[=!]/.test(this.src.slice(this.i, this.i + 3))) {
        lookaround = true;
        this.i += this.src[this.i + 1] === '<' ? 3 : 2;
      } else if (this.src.startsWith('?<', this.i)) this.i = this.src.indexOf('>', this.i) + 1;
      const body = this.parseAlt();
      this.i++; // ')'
      return lookaround ? { k: 'zero', body, from, to: this.i } : body;
    }
    if (c === '^' || c === '$') return { k: 'zero', body: null, from, to: this.i };
    if (c === '.') {
      const set = CharSet.any();
      if (!this.dotAll) set.bits[0]! &= ~(1 << 10);
      return { k: 'char', set, from, to: this.i };
    }
    if (c === '[') return { k: 'char', set: this.parseClass(), from, to: this.i };
    if (c === '\\') return this.parseEscape(from);
    const set = new CharSet();
    set.add(c.charCodeAt(0));
    if (this.ignoreCase) set.foldCase();
    return { k: 'char', set, from, to: this.i };
  }

  parseEscape(from: number): Node {
    const e = this.src[this.i++]!;
    if (e === 'b' || e === 'B') return { k: 'zero', body: null, from, to: this.i };
    if (/[1-9]/.test(e) || (e === 'k' && this.src[this.i] === '<')) {
      if (e === 'k') this.i = this.src.indexOf('>', this.i) + 1;
      else while (/\d/.test(this.src[this.i] ?? '')) this.i++;
      return { k: 'backref', from, to: this.i };
    }
    return { k: 'char', set: this.escapeSet(e), from, to: this.i };
  }

  /** The characters one escape (after the backslash) matches; advances past multi-character escapes. */
  escapeSet(e: string): CharSet {
    if ('dDwWsS'.includes(e)) return classOf(e);
    const set = new CharSet();
    if (e === 'p' || e === 'P') {
      this.i = this.src.indexOf('}', this.i) + 1;
      return CharSet.any();
    }
    const simple: Record<string, number> = { n: 10, r: 13, t: 9, v: 11, f: 12, '0': 0 };
    if (e in simple) set.add(simple[e]!);
    else if (e === 'x') {
      set.add(parseInt(this.src.slice(this.i, this.i + 2), 16));
      this.i += 2;
    } else if (e === 'u') {
      if (this.src[this.i] === '{') {
        const close = this.src.indexOf('}', this.i);
        set.add(parseInt(this.src.slice(this.i + 1, close), 16));
        this.i = close + 1;
      } else {
        set.add(parseInt(this.src.slice(this.i, this.i + 4), 16));
        this.i += 4;
      }
    } else if (e === 'c') {
      set.add(this.src.charCodeAt(this.i++) % 32);
    } else set.add(e.charCodeAt(0));
    if (this.ignoreCase) set.foldCase();
    return set;
  }

  parseClass(): CharSet {
    const set = new CharSet();
    const negated = this.src[this.i] === '^';
    if (negated) this.i++;
    while (this.i < this.src.length && this.src[this.i] !== ']') {
      let lo: number;
      const c = this.src[this.i++]!;
      if (c === '[') {
        // v-flag nested classes and set operations: too rich to model, so assume anything
        set.union(CharSet.any());
        let depth = 1;
        while (this.i < this.src.length && depth > 0) {
          if (this.src[this.i] === '\\') this.i++;
          else if (this.src[this.i] === '[') depth++;
          else if (this.src[this.i] === ']') depth--;
          this.i++;
        }
        continue;
      }
      if (c === '\\') {
        const e = this.src[this.i++]!;
        const s = e === 'b' ? (() => { const b = new CharSet(); b.add(8); return b; })() : this.escapeSet(e);
        if (!'dDwWsSpP'.includes(e) && this.src[this.i] === '-' && this.src[this.i + 1] !== ']') {
          lo = firstCode(s);
        } else {
          set.union(s);
          continue;
        }
      } else lo = c.charCodeAt(0);
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
        this.i++;
        let hi: number;
        const h = this.src[this.i++]!;
        if (h === '\\') hi = firstCode(this.escapeSet(this.src[this.i++]!));
        else hi = h.charCodeAt(0);
        set.addRange(lo, hi);
      } else set.add(lo);
    }
    this.i++; // ']'
    if (this.ignoreCase) set.foldCase();
    if (negated) set.negate();
    return set;
  }
}

function firstCode(s: CharSet): number {
  for (let c = 0; c < 128; c++) if ((s.bits[c >> 5]! & (1 << (c & 31))) !== 0) return c;
  return 128;
}

const nullable = (n: Node): boolean => {
  switch (n.k) {
    case 'char': return false;
    case 'seq': return n.items.every(nullable);
    case 'alt': return n.alts.some(nullable);
    case 'quant': return n.min === 0 || nullable(n.body);
    default: return true;
  }
};

/** Every character a node can consume. */
const charsOf = (n: Node): CharSet => {
  const s = new CharSet();
  const walk = (x: Node): void => {
    if (x.k === 'char') s.union(x.set);
    else if (x.k === 'seq') x.items.forEach(walk);
    else if (x.k === 'alt') x.alts.forEach(walk);
    else if (x.k === 'quant') walk(x.body);
    else if (x.k === 'backref') s.union(CharSet.any());
  };
  walk(n);
  return s;
};

/** The characters a node can start with. */
const firstOf = (n: Node): CharSet => {
  const s = new CharSet();
  const walk = (x: Node): boolean => {
    // returns true when x can match empty (so what follows can also be first)
    if (x.k === 'char') {
      s.union(x.set);
      return false;
    }
    if (x.k === 'seq') {
      for (const it of x.items) if (!walk(it)) return false;
      return true;
    }
    if (x.k === 'alt') return x.alts.map(walk).some(Boolean);
    if (x.k === 'quant') return walk(x.body) || x.min === 0;
    if (x.k === 'backref') s.union(CharSet.any());
    return true;
  };
  walk(n);
  return s;
};

const unbounded = (n: Node): boolean => n.k === 'quant' && n.max >= LARGE;
const containsUnbounded = (n: Node): boolean =>
  unbounded(n) ||
  (n.k === 'seq' && n.items.some(containsUnbounded)) ||
  (n.k === 'alt' && n.alts.some(containsUnbounded)) ||
  (n.k === 'quant' && containsUnbounded(n.body));

/** The literal string a node always matches, or null when it is not a fixed literal. */
const literalOf = (n: Node): string | null => {
  if (n.k === 'char') {
    let count = 0;
    let code = -1;
    for (let c = 0; c < 128; c++) if ((n.set.bits[c >> 5]! & (1 << (c & 31))) !== 0) { count++; code = c; }
    return count === 1 && !n.set.other ? String.fromCharCode(code) : null;
  }
  if (n.k === 'seq') {
    let out = '';
    for (const it of n.items) {
      const l = literalOf(it);
      if (l === null) return null;
      out += l;
    }
    return out;
  }
  return null;
};

const itemsOf = (n: Node): Node[] => (n.k === 'seq' ? n.items : [n]);
const unwrapAlt = (n: Node): Node | null => {
  if (n.k === 'alt') return n;
  if (n.k === 'seq' && n.items.length === 1) return unwrapAlt(n.items[0]!);
  return null;
};

/** Finds the first structure prone to catastrophic backtracking, described for a user; null when safe. */
function findHazard(root: Node, src: string): string | null {
  const frag = (n: Node): string => `'${src.slice(n.from, n.to)}'`;
  let found: string | null = null;
  const visit = (n: Node): void => {
    if (found) return;
    if (n.k === 'quant' && n.max >= LARGE) {
      const body = n.body;
      const alt = unwrapAlt(body);
      if (alt && alt.k === 'alt') {
        const lits = alt.alts.map(literalOf);
        const literalCode = lits.every((l): l is string => l !== null && l.length > 0) &&
          lits.every((a, i) => lits.every((b, j) => i === j || !b.startsWith(a)));
        if (!literalCode) {
          const firsts = alt.alts.map(firstOf);
          for (let i = 0; i < alt.alts.length && !found; i++) {
            if (nullable(alt.alts[i]!)) found = `the alternation ${frag(n)} has an empty alternative under a repeat`;
            for (let j = i + 1; j < alt.alts.length && !found; j++) {
              if (firsts[i]!.intersects(firsts[j]!)) found = `the alternatives of ${frag(n)} can match the same text, so a repeat of them can split the input in exponentially many ways`;
            }
          }
        }
      }
      if (!found && containsUnbounded(body)) {
        const items = itemsOf(body);
        for (const inner of items) {
          if (!containsUnbounded(inner)) continue;
          const c = charsOf(inner);
          const separated = items.some((s) => s !== inner && !nullable(s) && !charsOf(s).intersects(c));
          if (!separated) {
            found = `the nested quantifier ${frag(n)} repeats a part that is itself repeated, so matching can take exponential time`;
            break;
          }
        }
      }
    }
    if (!found && n.k === 'seq') {
      // two unbounded repeats of single characters (\d+\d+, .*.*) that can match the same characters with only
      // optional items between them: every split of a run between them is tried, so time grows polynomially
      const simpleRepeat = (x: Node): boolean => unbounded(x) && x.k === 'quant' && x.body.k === 'char';
      for (let i = 0; i < n.items.length && !found; i++) {
        const a = n.items[i]!;
        if (!simpleRepeat(a)) continue;
        for (let j = i + 1; j < n.items.length; j++) {
          const b = n.items[j]!;
          if (simpleRepeat(b) && charsOf(a).intersects(charsOf(b))) {
            found = `the adjacent quantifiers ${`'${src.slice(a.from, b.to)}'`} can match the same characters, so matching can take polynomial time`;
            break;
          }
          if (!nullable(b)) break;
        }
      }
    }
    if (n.k === 'seq') n.items.forEach(visit);
    else if (n.k === 'alt') n.alts.forEach(visit);
    else if (n.k === 'quant') visit(n.body);
    else if (n.k === 'zero' && n.body) visit(n.body);
  };
  visit(root);
  return found;
}

/**
 * Compiles a user-supplied regex, or throws a StrataError naming the pattern and `where` it came from when it is
 * invalid or prone to catastrophic backtracking. The g flag is added; y is rejected.
 */
export function assertSafeRegex(pattern: string, flags = '', where = 'regex', code: StrataErrorCode = 'config_invalid'): RegExp {
  const shown = pattern.length > 80 ? `${pattern.slice(0, 77)}...` : pattern;
  const fail = (why: string): never => {
    throw new StrataError(code, `${where}: the regex /${shown}/ ${why}.`, { details: { where, pattern: shown } });
  };
  if (typeof pattern !== 'string' || pattern.length === 0) fail('is empty; give a pattern that matches the entity');
  if (pattern.length > MAX_REGEX_LENGTH) fail(`is longer than ${MAX_REGEX_LENGTH} characters`);
  if (!/^[dgimsuv]*$/.test(flags)) fail(`has unsupported flags "${flags}" (allowed: d, i, m, s, u, v)`);
  let compiled: RegExp;
  try {
    compiled = new RegExp(pattern, flags.includes('g') ? flags : flags + 'g');
  } catch (e) {
    return fail(`is not a valid JavaScript regular expression (${(e as Error).message.replace(/^Invalid regular expression: /, '')})`);
  }
  const parser = new Parser(pattern, flags.includes('i'), flags.includes('s'));
  const hazard = findHazard(parser.parseAlt(), pattern);
  if (hazard) fail(`is prone to catastrophic backtracking: ${hazard}; rewrite it so that each character can be matched in only one way`);
  if (compiled.test('')) fail('matches the empty string, so it would mark every position of the text');
  compiled.lastIndex = 0;
  return compiled;
}
