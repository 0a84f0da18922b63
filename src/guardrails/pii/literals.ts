// Literal look-up at word starts: the keywords that keyword-led recognisers start with and the first words of
// context-word lists. One table per detector; the text scan consults it once per word instead of searching the
// text once per literal. The literals form a trie entered by their first two characters, so a word start costs
// one table load plus one step per character that still matches some literal, however many literals share a
// prefix.

/** Where a literal's occurrences go: a keyword-led recogniser or a context-word list, by number. */
export type SinkId = number;

/** Lower-case form of one UTF-16 code unit, as String.prototype.toLowerCase maps it inside a text. */
export function lowerCode(c: number): number {
  if (c < 128) return c >= 65 && c <= 90 ? c + 32 : c;
  // only U+0130 lower-cases to two units; callers do not index texts that contain it (see TextScan.indexed)
  return String.fromCharCode(c).toLowerCase().charCodeAt(0);
}

/** Literals (lower-case) in a trie keyed by their first two characters, each literal's end node with the sinks it feeds. */
export class LiteralTable {
  /** by (first char << 7 | second char), both ASCII: the trie node after those two characters (0: none) */
  private readonly two = new Int32Array(128 * 128);
  /** one-character literals by their character: their sinks */
  private readonly one: (SinkId[] | undefined)[] = new Array<SinkId[] | undefined>(128);
  /** per node (index 0 unused): sinks of the literals ending there, and the children as parallel char / node lists */
  private readonly ends: (SinkId[] | undefined)[] = [undefined];
  private readonly childChars: number[][] = [[]];
  private readonly childNodes: number[][] = [[]];
  private sinks = 0;

  /** Registers `literals` for a new sink and returns its id. Literals must start with an ASCII letter or digit. */
  addSink(literals: readonly string[]): SinkId {
    const sink = this.sinks++;
    for (const raw of literals) {
      const lit = raw.toLowerCase();
      const c0 = lit.charCodeAt(0);
      const c1 = lit.length > 1 ? lit.charCodeAt(1) : -1;
      if (!(c0 < 128 && /[a-z0-9]/.test(lit[0]!)) || c1 >= 128) throw new Error(`literal ${JSON.stringify(raw)} must start with two ASCII characters, the first a letter or digit`);
      if (c1 < 0) {
        addOnce((this.one[c0] ??= []), sink);
        continue;
      }
      const k = (c0 << 7) | c1;
      if (this.two[k] === 0) this.two[k] = this.newNode();
      let node = this.two[k]!;
      for (let j = 2; j < lit.length; j++) node = this.child(node, lit.charCodeAt(j));
      addOnce((this.ends[node] ??= []), sink);
    }
    return sink;
  }

  private newNode(): number {
    this.ends.push(undefined);
    this.childChars.push([]);
    this.childNodes.push([]);
    return this.ends.length - 1;
  }

  private child(node: number, c: number): number {
    const k = this.childChars[node]!.indexOf(c);
    if (k >= 0) return this.childNodes[node]![k]!;
    const next = this.newNode();
    this.childChars[node]!.push(c);
    this.childNodes[node]!.push(next);
    return next;
  }

  /** How many sinks there are (the length of the positions array a scan fills). */
  get sinkCount(): number {
    return this.sinks;
  }

  /**
   * Records, for every sink, that one of its literals begins at word start `i` of `units` (the text as UTF-16 code
   * units, `n` of them, compared lower-cased). Positions arrive in ascending order and are pushed once.
   */
  hit(units: Uint16Array, i: number, n: number, out: (number[] | undefined)[]): void {
    const c0 = units[i]!;
    if (c0 >= 128) return;
    const l0 = c0 >= 65 && c0 <= 90 ? c0 + 32 : c0;
    const single = this.one[l0];
    if (single !== undefined) record(single, i, out);
    if (i + 1 >= n) return;
    const c1 = lowerCode(units[i + 1]!);
    if (c1 >= 128) return;
    let node = this.two[(l0 << 7) | c1]!;
    if (node === 0) return;
    const { ends, childChars, childNodes } = this;
    for (let j = i + 2; ; j++) {
      const sinks = ends[node];
      if (sinks !== undefined) record(sinks, i, out);
      if (j >= n) return;
      const chars = childChars[node]!;
      if (chars.length === 0) return;
      const k = chars.indexOf(lowerCode(units[j]!));
      if (k < 0) return;
      node = childNodes[node]![k]!;
    }
  }
}

function addOnce(list: SinkId[], sink: SinkId): void {
  if (!list.includes(sink)) list.push(sink);
}

function record(sinks: readonly SinkId[], i: number, out: (number[] | undefined)[]): void {
  for (let k = 0; k < sinks.length; k++) {
    const at = (out[sinks[k]!] ??= []);
    if (at[at.length - 1] !== i) at.push(i);
  }
}
