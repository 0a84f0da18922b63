import { StrataError } from '../../core/index.js';
import { PROFANITY } from './data/profanity.js';
import { PhraseTrie, type EntryKind } from './phrase-trie.js';

/** Bedrock's limits for a word filter: up to 10,000 custom words or phrases. */
export const MAX_CUSTOM_WORDS = 10_000;
/** Longest custom word or phrase, in characters. */
export const MAX_WORD_LENGTH = 100;

export interface WordFilterOptions {
  /** custom words and phrases: case-insensitive, on word boundaries; spaces match any run of whitespace */
  words?: readonly string[];
  /** also match Strata's managed English profanity list (default false) */
  managedProfanity?: boolean;
}

export interface WordMatch {
  /** the matched text as it appears in the input (sensitive: never log it) */
  match: string;
  start: number;
  end: number;
  type: EntryKind;
}

export interface MaskOptions {
  /** replacement for a match; default a run of `*` as long as the match */
  replacement?: (m: WordMatch) => string;
}

function invalid(message: string, details: Record<string, unknown>): StrataError {
  return new StrataError('config_invalid', message, { details });
}

function validateWords(words: unknown): string[] {
  if (words === undefined) return [];
  if (!Array.isArray(words)) throw invalid('Word filter: `words` must be a list of strings.', {});
  if (words.length > MAX_CUSTOM_WORDS) {
    throw invalid(`Word filter: at most ${MAX_CUSTOM_WORDS} custom words are allowed; got ${words.length}.`, { count: words.length });
  }
  return words.map((w: unknown, i) => {
    if (typeof w !== 'string') throw invalid(`Word filter: words[${i}] must be a string.`, { index: i });
    const t = w.trim();
    if (t.length === 0) throw invalid(`Word filter: words[${i}] is empty; remove it or give a word.`, { index: i });
    if (t.length > MAX_WORD_LENGTH) {
      throw invalid(`Word filter: words[${i}] is ${t.length} characters; the limit is ${MAX_WORD_LENGTH}.`, { index: i, length: t.length });
    }
    return t;
  });
}

/** Replaces each match in text (matches in text order, non-overlapping, as `find` returns them). */
export function maskMatches(text: string, matches: readonly WordMatch[], opts: MaskOptions = {}): string {
  if (matches.length === 0) return text;
  const replace = opts.replacement ?? ((m: WordMatch) => '*'.repeat(m.end - m.start));
  let out = '';
  let at = 0;
  for (const m of matches) {
    out += text.slice(at, m.start) + replace(m);
    at = m.end;
  }
  return out + text.slice(at);
}

/**
 * Custom words and phrases plus, optionally, the managed profanity list, compiled once into one trie and
 * matched in a single pass over the text.
 */
export class WordFilter {
  private constructor(private readonly trie: PhraseTrie) {}

  /** Compiles a filter; bad options throw StrataError('config_invalid'). */
  static create(opts: WordFilterOptions = {}): WordFilter {
    const words = validateWords(opts.words);
    if (opts.managedProfanity !== undefined && typeof opts.managedProfanity !== 'boolean') {
      throw invalid('Word filter: `managedProfanity` must be true or false.', {});
    }
    const trie = new PhraseTrie();
    for (const w of words) trie.add(w, 'CUSTOM');
    if (opts.managedProfanity === true) for (const w of PROFANITY) trie.add(w, 'PROFANITY');
    return new WordFilter(trie);
  }

  /** Number of distinct entries compiled (custom plus managed). */
  get size(): number {
    return this.trie.entries;
  }

  /** Matches in text order, leftmost-longest, non-overlapping. */
  find(text: string): WordMatch[] {
    return this.trie.scan(text).map((m) => ({ match: text.slice(m.start, m.end), start: m.start, end: m.end, type: m.kind }));
  }

  /** True when the text contains any filtered word. */
  test(text: string): boolean {
    return this.trie.scan(text).length > 0;
  }

  /** The text with every match replaced (default: `*` for each character). */
  mask(text: string, opts: MaskOptions = {}): string {
    return maskMatches(text, this.find(text), opts);
  }
}
