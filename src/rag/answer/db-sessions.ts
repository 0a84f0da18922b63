import type { Kysely } from 'kysely';
import { systemClock, type Clock } from '../../core/index.js';
import type { Store, StrataDatabase } from '../../store/index.js';
import type { ConversationTurn } from './prompt.js';
import type { SessionStore, SessionStoreOptions } from './sessions.js';

/** Expired rows are swept at most this often per process (one indexed delete). */
const SWEEP_EVERY_MS = 60_000;

/**
 * Sessions in the database (SQLite or PostgreSQL): a follow-up can reach any replica, and a restart keeps
 * conversations. Reads filter on tenant and expiry, so another tenant's or an expired session is simply absent.
 */
export class DatabaseSessionStore implements SessionStore {
  readonly #db: Kysely<StrataDatabase>;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  #sweptAt = Number.NEGATIVE_INFINITY;

  constructor(store: Store, opts: SessionStoreOptions) {
    this.#db = store.db;
    this.#ttlMs = opts.ttlMs;
    this.#clock = opts.clock ?? systemClock;
  }

  async turns(tenant: string, sessionId: string, limit: number): Promise<ConversationTurn[] | undefined> {
    const rows = await this.#db
      .selectFrom('kb_session_turns')
      .select(['question', 'answer'])
      .where('tenant', '=', tenant)
      .where('session_id', '=', sessionId)
      .where('expires_at', '>', this.#clock.now())
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    if (rows.length === 0) return undefined;
    return rows.reverse().map((r) => ({ question: r.question, answer: r.answer }));
  }

  async append(tenant: string, sessionId: string, turn: ConversationTurn): Promise<void> {
    const now = this.#clock.now();
    const expiresAt = now + this.#ttlMs;
    await this.#db.transaction().execute(async (trx) => {
      await trx.updateTable('kb_session_turns').set({ expires_at: expiresAt }).where('tenant', '=', tenant).where('session_id', '=', sessionId).execute();
      await trx
        .insertInto('kb_session_turns')
        .values({ tenant, session_id: sessionId, question: turn.question, answer: turn.answer, created_at: now, expires_at: expiresAt })
        .execute();
    });
    if (now - this.#sweptAt >= SWEEP_EVERY_MS) {
      this.#sweptAt = now;
      await this.#db.deleteFrom('kb_session_turns').where('expires_at', '<=', now).execute();
    }
  }
}
