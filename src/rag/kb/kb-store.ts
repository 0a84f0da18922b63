import { randomUUID } from 'node:crypto';
import { StrataError } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import { validateChunkingConfig } from '../chunking/index.js';
import type { KbEngine, KnowledgeBaseRow, StoredDocumentInfo } from './engine.js';
import { kbEngineFor } from './engine-factory.js';
import { VECTOR_INDEX_KINDS, type KnowledgeBase, type KnowledgeBaseConfig, type KnowledgeBaseConfigInput, type VectorIndexKind, type HybridWeights } from './types.js';

/** Knowledge base names: short, lower case, safe in URLs, file names and CLI arguments. */
export const KB_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export const DEFAULT_EMBEDDING_MODEL = 'hash-embed';

/** Throws invalid_request unless name is a valid knowledge base name. */
export function assertKnowledgeBaseName(name: string): void {
  if (!KB_NAME_PATTERN.test(name)) {
    throw new StrataError('invalid_request', `Invalid knowledge base name '${name}': use 1–63 of a-z, 0-9, '.', '_', '-', starting with a letter or digit.`);
  }
}

function vectorIndexOf(input: KnowledgeBaseConfigInput['index']): VectorIndexKind {
  if (input === undefined) return 'exact';
  if (input === null || typeof input !== 'object') throw new StrataError('invalid_request', "index must be an object, e.g. { \"vector\": \"hnsw\" }.");
  const kind = input.vector ?? 'exact';
  if (!VECTOR_INDEX_KINDS.includes(kind)) {
    throw new StrataError('invalid_request', `Unknown vector index '${String(kind)}'; use 'exact' (every chunk scored) or 'hnsw' (approximate, for large knowledge bases).`);
  }
  return kind;
}

/** Guardrail policy names as strata.yaml allows them under `guardrails:` (whether one exists is the service's to check). */
const GUARDRAIL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function guardrailOf(input: unknown): string | undefined {
  if (input === undefined || input === null) return undefined;
  if (typeof input !== 'string' || !GUARDRAIL_NAME.test(input)) {
    throw new StrataError('invalid_request', "guardrail must be the name of a guardrail policy in strata.yaml (e.g. 'default'): 1–100 of letters, digits, '.', '_', '-'.");
  }
  return input;
}

/** Fills every default so the recorded config alone reproduces the index. */
export function resolveKnowledgeBaseConfig(input: KnowledgeBaseConfigInput = {}): KnowledgeBaseConfig {
  const model = input.embeddingModel ?? DEFAULT_EMBEDDING_MODEL;
  if (typeof model !== 'string' || model.trim() === '') throw new StrataError('invalid_request', 'embeddingModel must be a non-empty model alias.');
  const resolved: KnowledgeBaseConfig = { embeddingModel: model, chunking: validateChunkingConfig(input.chunking ?? { strategy: 'fixed' }), index: { vector: vectorIndexOf(input.index) }, hybrid: resolveHybridWeights(input.hybrid) };
  const guardrail = guardrailOf(input.guardrail);
  if (guardrail !== undefined) resolved.guardrail = guardrail;
  return resolved;
}

/** Hybrid weights with defaults filled (1 and 1); each a finite number ≥ 0, not both 0. */
export function resolveHybridWeights(input: Partial<HybridWeights> | undefined, base: HybridWeights = { vector: 1, lexical: 1 }): HybridWeights {
  if (input === undefined) return base;
  if (typeof input !== 'object' || input === null) throw new StrataError('invalid_request', 'hybrid weights must be an object like {"vector": 0.7, "lexical": 0.3}.');
  const out = { vector: input.vector ?? base.vector, lexical: input.lexical ?? base.lexical };
  for (const [side, w] of Object.entries(out)) {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw new StrataError('invalid_request', `The hybrid ${side} weight must be a number ≥ 0, got ${String(w)}.`);
  }
  if (out.vector === 0 && out.lexical === 0) throw new StrataError('invalid_request', 'The hybrid weights cannot both be 0; use mode vector or lexical to search one way.');
  return out;
}

/** A recorded config as read back; knowledge bases recorded before index options existed are exact. */
function parseRecordedConfig(json: string): KnowledgeBaseConfig {
  const raw = JSON.parse(json) as Omit<KnowledgeBaseConfig, 'index' | 'hybrid'> & { index?: { vector?: VectorIndexKind }; hybrid?: HybridWeights };
  return { ...raw, index: { vector: raw.index?.vector ?? 'exact' }, hybrid: raw.hybrid ?? { vector: 1, lexical: 1 } };
}

/** Create, list, get and delete knowledge bases of a tenant; each tenant sees only its own. */
export class KnowledgeBaseStore {
  readonly store: Store;
  /** where rows live and how they are searched (SQLite or PostgreSQL) */
  readonly engine: KbEngine;

  constructor(store: Store) {
    this.store = store;
    this.engine = kbEngineFor(store);
  }

  /** Creates a knowledge base; invalid_request (409) when the tenant already has one by that name. */
  async create(tenant: string, name: string, config: KnowledgeBaseConfigInput = {}): Promise<KnowledgeBase> {
    assertKnowledgeBaseName(name);
    const resolved = resolveKnowledgeBaseConfig(config);
    const now = Date.now();
    const row: KnowledgeBaseRow = { id: randomUUID(), tenant, name, config: JSON.stringify(resolved), created_at: now, updated_at: now };
    await this.engine.insertKnowledgeBase(row);
    return this.toKnowledgeBase(row);
  }

  async list(tenant: string): Promise<KnowledgeBase[]> {
    const rows = await this.engine.listKnowledgeBases(tenant);
    return Promise.all(rows.map((r) => this.toKnowledgeBase(r)));
  }

  /** The knowledge base, or not_found. */
  async get(tenant: string, name: string): Promise<KnowledgeBase> {
    const row = await this.engine.getKnowledgeBase(tenant, name);
    if (row === undefined) throw new StrataError('not_found', `No knowledge base '${name}' in tenant ${tenant}; create it with 'strata kb create ${name}'.`);
    return this.toKnowledgeBase(row);
  }

  /** By name, else by id (Bedrock-style paths name a knowledge base by id); not_found otherwise. */
  async resolve(tenant: string, nameOrId: string): Promise<KnowledgeBase> {
    const row = (await this.engine.getKnowledgeBase(tenant, nameOrId)) ?? (await this.engine.getKnowledgeBaseById(tenant, nameOrId));
    if (row === undefined) throw new StrataError('not_found', `No knowledge base '${nameOrId}' (name or id) in tenant ${tenant}.`);
    return this.toKnowledgeBase(row);
  }

  /** Deletes the knowledge base with its documents, chunks and index entries. */
  async delete(tenant: string, name: string): Promise<void> {
    const kb = await this.get(tenant, name);
    await this.engine.deleteKnowledgeBase(kb.id);
  }

  /** Deletes one document and its chunks; not_found when the knowledge base has no such document. */
  async deleteDocument(tenant: string, name: string, docId: string): Promise<void> {
    const kb = await this.get(tenant, name);
    if (!(await this.engine.removeDocument(kb.id, docId))) {
      throw new StrataError('not_found', `Knowledge base '${name}' has no document '${docId}'.`);
    }
  }

  /** Document ids, paths and hashes of a knowledge base (for ingestion and listings). */
  async documents(kb: KnowledgeBase): Promise<StoredDocumentInfo[]> {
    return this.engine.documents(kb.id);
  }

  /** Persists derived index state (HNSW graphs) now rather than leaving it to be rebuilt by the next process. */
  async flush(): Promise<void> {
    await this.engine.flush?.();
  }

  private async toKnowledgeBase(row: KnowledgeBaseRow): Promise<KnowledgeBase> {
    const counts = await this.engine.counts(row.id);
    return {
      id: row.id,
      tenant: row.tenant,
      name: row.name,
      config: parseRecordedConfig(row.config),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
      documents: counts.documents,
      chunks: counts.chunks,
    };
  }
}
