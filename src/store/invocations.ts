import type BetterSqlite3 from 'better-sqlite3';
import type { Insertable, Selectable } from 'kysely';
import { StrataError, recordJson, type FinishReason, type GuardrailInterventionRecord, type InvocationRecord } from '../core/index.js';
import type { Store } from './database.js';
import type { InvocationsTable } from './schema.js';

type InvocationRow = Selectable<InvocationsTable>;

const COLUMNS_PER_ROW = 30;
/** SQLite's historical default bind-variable limit (999); PostgreSQL allows 65535. */
const MAX_VARIABLES = { sqlite: 999, postgres: 65_535 } as const;

function toRow(r: InvocationRecord): Insertable<InvocationsTable> {
  return {
    id: r.id,
    ts: r.ts,
    tenant: r.tenant,
    route: r.route,
    model_requested: r.modelRequested,
    model_answered: r.modelAnswered,
    provider_model_id: r.providerModelId,
    attempts: r.attempts,
    fallbacks: r.fallbacks,
    status: r.status,
    error_code: r.errorCode,
    http_status: r.httpStatus,
    stream: r.stream ? 1 : 0,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    cache_read_tokens: r.cacheReadTokens,
    cache_write_tokens: r.cacheWriteTokens,
    latency_ms: r.latencyMs,
    ttft_ms: r.ttftMs,
    prompt_hash: r.promptHash,
    output_hash: r.outputHash,
    finish_reason: r.finishReason,
    tags: JSON.stringify(r.tags),
    cost_usd: r.costUsd,
    key_id: r.keyId,
    cache: r.cache,
    downgraded_by: r.downgradedBy,
    prompt: r.prompt,
    experiment: r.experiment,
    arm: r.arm,
    // only guarded requests name the columns, so the common row binds no more values than before them
    ...(r.guardrail ? { guardrail: r.guardrail, guardrail_interventions: interventionsText(r) } : {}),
  };
}

function interventionsText(r: InvocationRecord): string | null {
  return r.guardrailInterventions && r.guardrailInterventions.length > 0 ? JSON.stringify(r.guardrailInterventions) : null;
}

function parseInterventions(text: string | null | undefined): GuardrailInterventionRecord[] | null {
  if (text === null || text === undefined) return null;
  try {
    const v: unknown = JSON.parse(text);
    if (Array.isArray(v)) return v as GuardrailInterventionRecord[];
  } catch {
    // a hand-edited row should not break listing
  }
  return null;
}

function parseTags(text: string): Record<string, string> {
  try {
    const v: unknown = JSON.parse(text);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, string>;
  } catch {
    // a hand-edited row should not break listing
  }
  return {};
}

function fromRow(row: InvocationRow): InvocationRecord {
  return {
    id: row.id,
    ts: Number(row.ts),
    tenant: row.tenant,
    route: row.route,
    modelRequested: row.model_requested,
    modelAnswered: row.model_answered,
    providerModelId: row.provider_model_id,
    attempts: Number(row.attempts),
    fallbacks: Number(row.fallbacks),
    status: row.status === 'ok' ? 'ok' : 'error',
    errorCode: row.error_code,
    httpStatus: Number(row.http_status),
    stream: Number(row.stream) === 1,
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    cacheReadTokens: Number(row.cache_read_tokens),
    cacheWriteTokens: Number(row.cache_write_tokens),
    latencyMs: Number(row.latency_ms),
    ttftMs: row.ttft_ms === null ? null : Number(row.ttft_ms),
    promptHash: row.prompt_hash,
    outputHash: row.output_hash,
    finishReason: row.finish_reason as FinishReason | null,
    tags: parseTags(row.tags),
    costUsd: row.cost_usd === null ? null : Number(row.cost_usd),
    keyId: row.key_id,
    cache: row.cache === 'hit' || row.cache === 'miss' || row.cache === 'bypass' ? row.cache : null,
    downgradedBy: row.downgraded_by,
    prompt: row.prompt,
    experiment: row.experiment,
    arm: row.arm,
    // absent unless the route had a policy, as on records fresh from the gateway
    ...(row.guardrail ? { guardrail: row.guardrail, guardrailInterventions: parseInterventions(row.guardrail_interventions) } : {}),
  };
}

const SQLITE_COLUMNS = [
  'id', 'ts', 'tenant', 'route', 'model_requested', 'model_answered', 'provider_model_id', 'attempts', 'fallbacks',
  'status', 'error_code', 'http_status', 'stream', 'input_tokens', 'output_tokens', 'cache_read_tokens',
  'cache_write_tokens', 'latency_ms', 'ttft_ms', 'prompt_hash', 'output_hash', 'finish_reason', 'tags',
  'cost_usd', 'key_id', 'cache', 'downgraded_by', 'prompt', 'experiment', 'arm',
] as const;
const GUARDRAIL_COLUMNS = ['guardrail', 'guardrail_interventions'] as const;
const sqliteInserts = new WeakMap<BetterSqlite3.Database, (rows: readonly InvocationRecord[]) => void>();

function insertStatement(raw: BetterSqlite3.Database, columns: readonly string[]): BetterSqlite3.Statement {
  return raw.prepare(`INSERT INTO invocations (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT (id) DO NOTHING`);
}

/**
 * SQLite fast path: one prepared single-row statement run in a transaction. Measured ~7x cheaper per row
 * than building a multi-row INSERT through the query builder, and the writer runs on the event loop. The
 * values go to run() as arguments (a spread array cost ~0.3 µs a row); a guarded request's two guardrail
 * columns are set by a second statement, so the common row binds none of them.
 */
function insertSqlite(raw: BetterSqlite3.Database, records: readonly InvocationRecord[]): void {
  let insert = sqliteInserts.get(raw);
  if (!insert) {
    const plain = insertStatement(raw, SQLITE_COLUMNS);
    let guarded: BetterSqlite3.Statement | undefined;
    insert = raw.transaction((rows: readonly InvocationRecord[]) => {
      for (const r of rows) {
        const { changes } = plain.run(
          r.id, r.ts, r.tenant, r.route, r.modelRequested, r.modelAnswered, r.providerModelId, r.attempts, r.fallbacks,
          r.status, r.errorCode, r.httpStatus, r.stream ? 1 : 0, r.inputTokens, r.outputTokens, r.cacheReadTokens,
          r.cacheWriteTokens, r.latencyMs, r.ttftMs, r.promptHash, r.outputHash, r.finishReason, recordJson(r.tags),
          r.costUsd, r.keyId, r.cache, r.downgradedBy, r.prompt, r.experiment, r.arm,
        );
        if (r.guardrail && changes > 0) {
          guarded ??= raw.prepare(`UPDATE invocations SET ${GUARDRAIL_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`);
          guarded.run(r.guardrail, interventionsText(r), r.id);
        }
      }
    });
    sqliteInserts.set(raw, insert);
  }
  insert(records);
}

/**
 * Inserts records in one transaction, as few multi-row INSERTs as the engine's bind limit allows.
 * Duplicate ids are ignored so a retried batch cannot fail on rows a lost commit already stored.
 */
export async function insertInvocations(store: Store, records: readonly InvocationRecord[]): Promise<void> {
  if (records.length === 0) return;
  if (store.sqlite) {
    insertSqlite(store.sqlite, records);
    return;
  }
  const perStatement = Math.max(1, Math.floor(MAX_VARIABLES[store.dialect] / (COLUMNS_PER_ROW + GUARDRAIL_COLUMNS.length)));
  const rows = records.map(toRow);
  await store.db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += perStatement) {
      await trx
        .insertInto('invocations')
        .values(rows.slice(i, i + perStatement))
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }
  });
}

export interface InvocationWriterOptions {
  /** flush at least this often while records are queued (default 250 ms) */
  flushMs?: number;
  /** flush as soon as this many records are queued; also the batch size (default 200) */
  maxBatch?: number;
  /** records held at most; beyond it new records are dropped and counted (default 100 000) */
  maxQueue?: number;
  /** told about every batch that could not be stored, and about the start of each overflow; must not throw */
  onError?: (error: StrataError, droppedCount: number) => void;
  /** told after each stored batch with its size (metrics, tests); must not throw */
  onWrite?: (count: number) => void;
}

/**
 * Buffers invocation records off the request path and writes them in batches. Never throws to the
 * caller and never blocks it: a full queue or a failed write costs records (counted in
 * `droppedRecords`), not requests.
 */
export class InvocationWriter {
  readonly #store: Store;
  readonly #flushMs: number;
  readonly #maxBatch: number;
  readonly #maxQueue: number;
  readonly #onError: ((error: StrataError, droppedCount: number) => void) | undefined;
  readonly #onWrite: ((count: number) => void) | undefined;
  #queue: InvocationRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();
  #flushRequested = false;
  #overflowing = false;
  #closed = false;
  #dropped = 0;
  #written = 0;
  readonly #sources: (() => void)[] = [];

  constructor(store: Store, opts: InvocationWriterOptions = {}) {
    this.#store = store;
    this.#flushMs = opts.flushMs ?? 250;
    this.#maxBatch = Math.max(1, opts.maxBatch ?? 200);
    this.#maxQueue = Math.max(1, opts.maxQueue ?? 100_000);
    this.#onError = opts.onError;
    this.#onWrite = opts.onWrite;
  }

  /** records lost to a full queue, a closed writer or failed writes */
  get droppedRecords(): number {
    return this.#dropped;
  }

  /** records stored so far */
  get writtenRecords(): number {
    return this.#written;
  }

  /** records waiting to be written */
  get queued(): number {
    return this.#queue.length;
  }

  /** Queues a record for the next batch. O(1), never throws. */
  enqueue(rec: InvocationRecord): void {
    if (this.#closed) {
      // Shutdown stragglers: counted, not reported one by one.
      this.#dropped++;
      return;
    }
    if (this.#queue.length >= this.#maxQueue) {
      this.#dropped++;
      if (!this.#overflowing) {
        this.#overflowing = true;
        this.#report(new StrataError('internal', `Invocation queue full (${this.#maxQueue} records); dropping new records until it drains.`), 1);
      }
      return;
    }
    this.#queue.push(rec);
    if (this.#queue.length >= this.#maxBatch) {
      if (!this.#flushRequested) void this.flush();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.flush();
      }, this.#flushMs);
      this.#timer.unref();
    }
  }

  /**
   * A producer that holds finished records back for a moment (the gateway hands them on at the end of a turn
   * of the event loop): every flush first asks it to enqueue what it holds, so flush() covers those too.
   */
  addSource(handOn: () => void): void {
    this.#sources.push(handOn);
  }

  /** Writes everything queued so far; resolves when it is stored (or counted as dropped). Never rejects. */
  flush(): Promise<void> {
    for (const handOn of this.#sources) handOn();
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#flushRequested = true;
    this.#chain = this.#chain.then(() => this.#drain());
    return this.#chain;
  }

  /** Stops the timer and writes everything still queued. Records enqueued afterwards are dropped. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  async #drain(): Promise<void> {
    this.#flushRequested = false;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      await this.#writeBatch(batch);
    }
    this.#overflowing = false;
  }

  async #writeBatch(batch: InvocationRecord[]): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await insertInvocations(this.#store, batch);
        this.#written += batch.length;
        try {
          this.#onWrite?.(batch.length);
        } catch {
          // a faulty callback must not break the writer
        }
        return;
      } catch (e) {
        lastError = e;
      }
    }
    const reason = lastError instanceof Error ? lastError.message : 'unknown error';
    this.#drop(
      batch.length,
      new StrataError('internal', `Could not store ${batch.length} invocation records after a retry: ${reason}`, { cause: lastError }),
    );
  }

  #drop(count: number, error: StrataError): void {
    this.#dropped += count;
    this.#report(error, count);
  }

  #report(error: StrataError, count: number): void {
    try {
      this.#onError?.(error, count);
    } catch {
      // a faulty callback must not break the writer
    }
  }
}

export interface ListInvocationsQuery {
  /** ts >= since (epoch ms) */
  since?: number;
  /** ts < until (epoch ms) */
  until?: number;
  route?: string;
  tenant?: string;
  /** default 100, at most 10 000 */
  limit?: number;
}

/** Invocation records matching the filters, newest first. */
export async function listInvocations(store: Store, q: ListInvocationsQuery = {}): Promise<InvocationRecord[]> {
  const limit = Math.min(Math.max(1, Math.floor(q.limit ?? 100)), 10_000);
  let query = store.db.selectFrom('invocations').selectAll();
  if (q.since !== undefined) query = query.where('ts', '>=', q.since);
  if (q.until !== undefined) query = query.where('ts', '<', q.until);
  if (q.route !== undefined) query = query.where('route', '=', q.route);
  if (q.tenant !== undefined) query = query.where('tenant', '=', q.tenant);
  const rows = await query.orderBy('ts', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(fromRow);
}

/** One invocation record by id, or undefined. */
export async function getInvocation(store: Store, id: string): Promise<InvocationRecord | undefined> {
  const row = await store.db.selectFrom('invocations').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : fromRow(row);
}
