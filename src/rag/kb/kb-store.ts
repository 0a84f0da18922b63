import { randomUUID } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import { StrataError } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import { validateChunkingConfig } from '../chunking/index.js';
import type { KnowledgeBase, KnowledgeBaseConfig, KnowledgeBaseConfigInput } from './types.js';

/** Knowledge base names: short, lower case, safe in URLs, file names and CLI arguments. */
export const KB_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export const DEFAULT_EMBEDDING_MODEL = 'hash-embed';

/** Throws invalid_request unless name is a valid knowledge base name. */
export function assertKnowledgeBaseName(name: string): void {
  if (!KB_NAME_PATTERN.test(name)) {
    throw new StrataError('invalid_request', `Invalid knowledge base name '${name}': use 1–63 of a-z, 0-9, '.', '_', '-', starting with a letter or digit.`);
  }
}

/** Fills every default so the recorded config alone reproduces the index. */
export function resolveKnowledgeBaseConfig(input: KnowledgeBaseConfigInput = {}): KnowledgeBaseConfig {
  const model = input.embeddingModel ?? DEFAULT_EMBEDDING_MODEL;
  if (typeof model !== 'string' || model.trim() === '') throw new StrataError('invalid_request', 'embeddingModel must be a non-empty model alias.');
  return { embeddingModel: model, chunking: validateChunkingConfig(input.chunking ?? { strategy: 'fixed' }) };
}

/**
 * The raw SQLite connection. Chunk writes and searches use prepared statements on it: a document's
 * replacement is one synchronous transaction (nothing else can interleave), and FTS5 has no Kysely syntax.
 */
export function sqliteOf(store: Store): BetterSqlite3.Database {
  if (store.dialect !== 'sqlite' || store.sqlite === undefined) {
    throw new StrataError('invalid_request', 'Knowledge bases need the embedded SQLite store for now; PostgreSQL (pgvector) support is not there yet.', { status: 501 });
  }
  return store.sqlite;
}

interface KbRow {
  id: string;
  tenant: string;
  name: string;
  config: string;
  created_at: number;
  updated_at: number;
}

/** Create, list, get and delete knowledge bases of a tenant; each tenant sees only its own. */
export class KnowledgeBaseStore {
  readonly store: Store;

  constructor(store: Store) {
    sqliteOf(store);
    this.store = store;
  }

  /** Creates a knowledge base; invalid_request (409) when the tenant already has one by that name. */
  async create(tenant: string, name: string, config: KnowledgeBaseConfigInput = {}): Promise<KnowledgeBase> {
    assertKnowledgeBaseName(name);
    const resolved = resolveKnowledgeBaseConfig(config);
    const now = Date.now();
    const row: KbRow = { id: randomUUID(), tenant, name, config: JSON.stringify(resolved), created_at: now, updated_at: now };
    try {
      await this.store.db.insertInto('knowledge_bases').values(row).execute();
    } catch (e) {
      // the unique (tenant, name) index decides, so two concurrent creates cannot both succeed
      if (/unique/i.test((e as Error).message)) {
        throw new StrataError('invalid_request', `Knowledge base '${name}' already exists in tenant ${tenant}.`, { status: 409, cause: e });
      }
      throw e;
    }
    return this.toKnowledgeBase(row);
  }

  async list(tenant: string): Promise<KnowledgeBase[]> {
    const rows = await this.store.db.selectFrom('knowledge_bases').selectAll().where('tenant', '=', tenant).orderBy('name').execute();
    return rows.map((r) => this.toKnowledgeBase(r));
  }

  /** The knowledge base, or not_found. */
  async get(tenant: string, name: string): Promise<KnowledgeBase> {
    const row = await this.store.db.selectFrom('knowledge_bases').selectAll().where('tenant', '=', tenant).where('name', '=', name).executeTakeFirst();
    if (row === undefined) throw new StrataError('not_found', `No knowledge base '${name}' in tenant ${tenant}; create it with 'strata kb create ${name}'.`);
    return this.toKnowledgeBase(row);
  }

  /** Deletes the knowledge base with its documents and chunks (FTS rows follow by trigger). */
  async delete(tenant: string, name: string): Promise<void> {
    const kb = await this.get(tenant, name);
    const db = sqliteOf(this.store);
    db.transaction(() => {
      db.prepare('delete from kb_chunks where kb_id = ?').run(kb.id);
      db.prepare('delete from kb_documents where kb_id = ?').run(kb.id);
      db.prepare('delete from knowledge_bases where id = ?').run(kb.id);
    })();
  }

  /** Deletes one document and its chunks; not_found when the knowledge base has no such document. */
  async deleteDocument(tenant: string, name: string, docId: string): Promise<void> {
    const kb = await this.get(tenant, name);
    if (!removeDocument(sqliteOf(this.store), kb.id, docId)) {
      throw new StrataError('not_found', `Knowledge base '${name}' has no document '${docId}'.`);
    }
  }

  /** Document ids, paths and hashes of a knowledge base (for ingestion and listings). */
  documents(kb: KnowledgeBase): { docId: string; relPath: string; contentHash: string; chunkCount: number }[] {
    const rows = sqliteOf(this.store)
      .prepare('select doc_id, rel_path, content_hash, chunk_count from kb_documents where kb_id = ? order by rel_path, doc_id')
      .all(kb.id) as { doc_id: string; rel_path: string; content_hash: string; chunk_count: number }[];
    return rows.map((r) => ({ docId: r.doc_id, relPath: r.rel_path, contentHash: r.content_hash, chunkCount: r.chunk_count }));
  }

  private toKnowledgeBase(row: KbRow): KnowledgeBase {
    const db = sqliteOf(this.store);
    const counts = db.prepare('select count(*) as documents, coalesce(sum(chunk_count), 0) as chunks from kb_documents where kb_id = ?').get(row.id) as {
      documents: number;
      chunks: number;
    };
    return {
      id: row.id,
      tenant: row.tenant,
      name: row.name,
      config: JSON.parse(row.config) as KnowledgeBaseConfig,
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
      documents: counts.documents,
      chunks: counts.chunks,
    };
  }
}

/** Removes a document and its chunks in one transaction; false when it was not there. */
export function removeDocument(db: BetterSqlite3.Database, kbId: string, docId: string): boolean {
  return db.transaction(() => {
    db.prepare('delete from kb_chunks where kb_id = ? and doc_id = ?').run(kbId, docId);
    return db.prepare('delete from kb_documents where kb_id = ? and doc_id = ?').run(kbId, docId).changes > 0;
  })();
}
