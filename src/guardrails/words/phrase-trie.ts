import { foldCode, isWordCode, leetCode } from './char-fold.js';

/**
 * A character trie over all filter entries, scanned once over the text: at each possible word start the trie
 * is walked forward, so the cost is O(text × average walk depth) whatever the number of entries, with no
 * per-word regular expression.
 *
 * Entries of the managed list also match obfuscated spellings: leetspeak digits and symbols ("sh1t", "@ss")
 * and stretched letters ("fuuuck"). Custom entries match literally (case-insensitive, look-alike letters
 * folded), because a user's own term may legitimately contain digits.
 */

export type EntryKind = 'CUSTOM' | 'PROFANITY';

interface TrieNode {
  children: Map<number, TrieNode>;
  /** a custom entry ends here */
  custom: boolean;
  /** a managed-list entry ends here */
  profane: boolean;
  /** some managed-list entry passes through this node: obfuscation tolerance applies below it */
  managed: boolean;
  /** the (folded) character on the edge into this node */
  code: number;
}

const SPACE = 32;

function newNode(code: number): TrieNode {
  return { children: new Map(), custom: false, profane: false, managed: false, code };
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x2007 || c === 0x202f || c === 0x3000 || (c >= 0x2000 && c <= 0x200a);
}

export interface TrieMatch {
  start: number;
  end: number;
  kind: EntryKind;
}

/** A compiled set of words and phrases, scanned in one pass. */
export class PhraseTrie {
  private readonly root = newNode(SPACE);
  private size = 0;

  /** Adds an entry (already trimmed, non-empty). A literal match of a custom entry is reported as CUSTOM. */
  add(entry: string, kind: EntryKind): void {
    let node = this.root;
    let prevSpace = false;
    for (let i = 0; i < entry.length; i++) {
      let c = foldCode(entry.charCodeAt(i));
      if (isSpace(c)) {
        if (prevSpace) continue;
        c = SPACE;
        prevSpace = true;
      } else {
        prevSpace = false;
      }
      if (kind === 'PROFANITY') node.managed = true;
      let next = node.children.get(c);
      if (!next) {
        next = newNode(c);
        node.children.set(c, next);
      }
      node = next;
    }
    if (kind === 'PROFANITY') node.managed = true;
    if (!node.custom && !node.profane) this.size++;
    if (kind === 'CUSTOM') node.custom = true;
    else node.profane = true;
  }

  get entries(): number {
    return this.size;
  }

  /** All non-overlapping matches, leftmost-longest, in text order. */
  scan(text: string): TrieMatch[] {
    const out: TrieMatch[] = [];
    const n = text.length;
    let i = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (i > 0 && isWordCode(c) && isWordCode(text.charCodeAt(i - 1))) {
        i++;
        continue;
      }
      // Fast path: most positions start no entry at all.
      const f = foldCode(c);
      const l = leetCode(f);
      if (!this.root.children.has(f) && (l === 0 || !this.root.children.has(l))) {
        i++;
        continue;
      }
      const best = this.longestAt(text, i);
      if (best) {
        out.push(best);
        i = best.end;
      } else {
        i++;
      }
    }
    return out;
  }

  // Scan state for the current start position (fields, not closures: this runs at every word start).
  private text = '';
  private start = 0;
  private bestEnd = -1;
  private bestKind: EntryKind = 'CUSTOM';

  private longestAt(text: string, start: number): TrieMatch | undefined {
    this.text = text;
    this.start = start;
    this.bestEnd = -1;
    this.walk(this.root, start, false);
    return this.bestEnd < 0 ? undefined : { start, end: this.bestEnd, kind: this.bestKind };
  }

  private accept(node: TrieNode, end: number, obfuscated: boolean): void {
    const kind: EntryKind | undefined = node.custom && !obfuscated ? 'CUSTOM' : node.profane ? 'PROFANITY' : undefined;
    if (kind === undefined || end <= this.bestEnd) return;
    // An entry ending in a word character needs a boundary after it ("ass" must not match in "assume").
    if (end < this.text.length && isWordCode(node.code) && isWordCode(this.text.charCodeAt(end))) return;
    this.bestEnd = end;
    this.bestKind = kind;
  }

  private walk(node: TrieNode, p: number, obfuscated: boolean): void {
    if (node.custom || node.profane) this.accept(node, p, obfuscated);
    const text = this.text;
    const n = text.length;
    if (p >= n) return;
    const raw = text.charCodeAt(p);
    if (isSpace(raw)) {
      const child = node.children.get(SPACE);
      if (!child || p === this.start) return;
      let q = p + 1;
      while (q < n && isSpace(text.charCodeAt(q))) q++;
      this.walk(child, q, obfuscated);
      return;
    }
    const c = foldCode(raw);
    const child = node.children.get(c);
    if (child) {
      this.walk(child, p + 1, obfuscated);
      if (child.managed) {
        // Stretched letters: consume the whole run of this letter as one ("fuuuck" → "fuck").
        let q = p + 1;
        while (q < n && foldCode(text.charCodeAt(q)) === c) q++;
        if (q > p + 1) this.walk(child, q, true);
      }
    }
    const leet = leetCode(c);
    if (leet !== 0 && leet !== c) {
      const alt = node.children.get(leet);
      if (alt?.managed) this.walk(alt, p + 1, true);
    }
  }
}
