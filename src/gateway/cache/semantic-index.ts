import { StrataError } from '../../core/index.js';

export interface SemanticCacheIndexOptions {
  /** minimum cosine similarity for a hit, in (0, 1]; 1 means only identical directions */
  threshold: number;
  /** entries held across all tenants and routes; the oldest is evicted first */
  maxEntries: number;
}

export interface SemanticCacheHit {
  /** exact-cache key of the earlier prompt whose answer may be replayed */
  key: string;
  similarity: number;
}

interface SemanticEntry {
  partition: string;
  key: string;
  // stored unit-length so a lookup is one dot product per entry
  unit: Float32Array;
  expiresAt: number;
}

/**
 * Finds an earlier prompt close enough in meaning to reuse its cached answer. Exact nearest-neighbour
 * search by linear scan within one (tenant, route): the index is bounded by maxEntries and lives per
 * process, so a scan stays cheap and never returns an approximate neighbour that is not the nearest.
 */
export class SemanticCacheIndex {
  readonly #threshold: number;
  readonly #maxEntries: number;
  // insertion order = age, for evicting the oldest entry in O(1)
  readonly #byAge = new Set<SemanticEntry>();
  // partition → exact-cache key → entry: tenants and routes never see each other's prompts
  readonly #partitions = new Map<string, Map<string, SemanticEntry>>();

  constructor(opts: SemanticCacheIndexOptions) {
    if (!(opts.threshold > 0 && opts.threshold <= 1)) {
      throw new StrataError('config_invalid', `semantic cache threshold must be in (0, 1], got ${String(opts.threshold)}`);
    }
    if (!Number.isInteger(opts.maxEntries) || opts.maxEntries < 1) {
      throw new StrataError('config_invalid', `semantic cache maxEntries must be a positive integer, got ${String(opts.maxEntries)}`);
    }
    this.#threshold = opts.threshold;
    this.#maxEntries = opts.maxEntries;
  }

  /** Number of entries held (expired ones count until a lookup in their partition drops them). */
  get size(): number {
    return this.#byAge.size;
  }

  /** The most similar unexpired earlier prompt of this tenant and route, if at or above the threshold. */
  lookup(tenant: string, route: string, vector: Float32Array, now: number): SemanticCacheHit | undefined {
    const entries = this.#partitions.get(partitionOf(tenant, route));
    if (entries === undefined) return undefined;
    const query = toUnit(vector);
    if (query === undefined) return undefined;
    let best: SemanticEntry | undefined;
    let bestSimilarity = -Infinity;
    for (const entry of entries.values()) {
      if (now >= entry.expiresAt) {
        this.#remove(entry);
        continue;
      }
      // vectors from another embedding model are not comparable
      if (entry.unit.length !== query.length) continue;
      const similarity = dot(entry.unit, query);
      if (similarity > bestSimilarity) {
        best = entry;
        bestSimilarity = similarity;
      }
    }
    if (best === undefined) return undefined;
    // float32 rounding can put identical vectors a hair below 1 (or above it)
    const similarity = Math.min(1, Math.max(-1, bestSimilarity));
    // the tolerance lets threshold 1 still match an identical prompt despite that rounding
    if (similarity < this.#threshold - 1e-6) return undefined;
    return { key: best.key, similarity };
  }

  /** Remembers the prompt embedding of a freshly cached answer until expiresAt (epoch ms). */
  add(tenant: string, route: string, vector: Float32Array, key: string, expiresAt: number): void {
    const unit = toUnit(vector);
    // a zero or non-finite vector has no direction and could never be matched meaningfully
    if (unit === undefined) return;
    const partition = partitionOf(tenant, route);
    // re-adding a key replaces its entry and makes it the newest
    const previous = this.#partitions.get(partition)?.get(key);
    if (previous !== undefined) this.#remove(previous);
    let entries = this.#partitions.get(partition);
    if (entries === undefined) {
      entries = new Map();
      this.#partitions.set(partition, entries);
    }
    const entry: SemanticEntry = { partition, key, unit, expiresAt };
    entries.set(key, entry);
    this.#byAge.add(entry);
    while (this.#byAge.size > this.#maxEntries) {
      const oldest = this.#byAge.values().next();
      if (oldest.done === true) break;
      this.#remove(oldest.value);
    }
  }

  #remove(entry: SemanticEntry): void {
    this.#byAge.delete(entry);
    const entries = this.#partitions.get(entry.partition);
    if (entries === undefined) return;
    entries.delete(entry.key);
    if (entries.size === 0) this.#partitions.delete(entry.partition);
  }
}

// JSON of the pair cannot collide the way "tenant:route" would when a name contains ':'
function partitionOf(tenant: string, route: string): string {
  return JSON.stringify([tenant, route]);
}

function toUnit(vector: Float32Array): Float32Array | undefined {
  let sumSquares = 0;
  for (const x of vector) sumSquares += x * x;
  const norm = Math.sqrt(sumSquares);
  if (!(norm > 0) || !Number.isFinite(norm)) return undefined;
  const unit = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) unit[i] = (vector[i] ?? 0) / norm;
  return unit;
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}
