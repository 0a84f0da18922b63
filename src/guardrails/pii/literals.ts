// Literal look-up at word starts: the keywords that keyword-led recognisers start with and the first words of
// context-word lists. One table per detector; the text scan consults it once per word instead of searching the
// text once per literal.

/** Where a literal's occurrences go: a keyword-led recogniser or a context-word list, by number. */
export type SinkId = number;

/** Literals (lower-case) grouped by their first two characters, each with the sinks it feeds. */
export class LiteralTable {
  /** by (first char << 7 | second char), both ASCII: literal indexes */
  private readonly two: (number[] | undefined)[] = new Array<number[] | undefined>(128 * 128);
  /** one-character literals by their character */
  private readonly one: (number[] | undefined)[] = new Array<number[] | undefined>(128);
  private readonly literals: Uint16Array[] = [];
  private readonly literalText: string[] = [];
  private readonly sinksOf: SinkId[][] = [];
  private sinks = 0;

  /** Registers `literals` for a new sink and returns its id. Literals must start with an ASCII letter or digit. */
  addSink(literals: readonly string[]): SinkId {
    const sink = this.sinks++;
    for (const raw of literals) {
      const lit = raw.toLowerCase();
      const c0 = lit.charCodeAt(0);
      const c1 = lit.length > 1 ? lit.charCodeAt(1) : -1;
      if (!(c0 < 128 && /[a-z0-9]/.test(lit[0]!)) || c1 >= 128) throw new Error(`literal ${JSON.stringify(raw)} must start with two ASCII characters, the first a letter or digit`);
      let id = this.literalText.indexOf(lit);
      if (id < 0) {
        id = this.literals.length;
        this.literalText.push(lit);
        this.literals.push(Uint16Array.from(lit, (ch) => ch.charCodeAt(0)));
        this.sinksOf.push([]);
        const bucket = c1 < 0 ? this.one : this.two;
        const k = c1 < 0 ? c0 : (c0 << 7) | c1;
        (bucket[k] ??= []).push(id);
      }
      if (!this.sinksOf[id]!.includes(sink)) this.sinksOf[id]!.push(sink);
    }
    return sink;
  }

  /** How many sinks there are (the length of the positions array a scan fills). */
  get sinkCount(): number {
    return this.sinks;
  }

  /**
   * Records, for every sink, that one of its literals begins at word start `i` of `lower` (the lower-cased text as
   * code units, `n` of them). Positions arrive in ascending order and are pushed once.
   */
  hit(lower: Uint16Array, i: number, n: number, out: (number[] | undefined)[]): void {
    const c0 = lower[i]!;
    if (c0 >= 128) return;
    const single = this.one[c0];
    if (single !== undefined) for (let k = 0; k < single.length; k++) this.record(single[k]!, i, out);
    const c1 = i + 1 < n ? lower[i + 1]! : 128;
    if (c1 >= 128) return;
    const pair = this.two[(c0 << 7) | c1];
    if (pair === undefined) return;
    for (let k = 0; k < pair.length; k++) {
      const id = pair[k]!;
      const lit = this.literals[id]!;
      if (i + lit.length > n) continue;
      let j = 2;
      while (j < lit.length && lower[i + j] === lit[j]) j++;
      if (j === lit.length) this.record(id, i, out);
    }
  }

  private record(id: number, i: number, out: (number[] | undefined)[]): void {
    const sinks = this.sinksOf[id]!;
    for (let k = 0; k < sinks.length; k++) {
      const at = (out[sinks[k]!] ??= []);
      if (at[at.length - 1] !== i) at.push(i);
    }
  }
}
