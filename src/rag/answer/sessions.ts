import { systemClock, type Clock } from '../../core/index.js';
import type { ConversationTurn } from './prompt.js';

/**
 * Conversations of retrieve-and-generate (`sessionId`), per tenant: a session is its turns (question, answer).
 * It expires `ttlMs` after its last turn; an expired session, or another tenant's, is not found.
 */
export interface SessionStore {
  /** The session's last `limit` turns, oldest first; undefined when the tenant has no such live session. */
  turns(tenant: string, sessionId: string, limit: number): Promise<ConversationTurn[] | undefined>;
  /** Adds a turn (creating the session) and restarts its time to live. */
  append(tenant: string, sessionId: string, turn: ConversationTurn): Promise<void>;
}

export interface SessionStoreOptions {
  ttlMs: number;
  clock?: Clock;
}

interface MemorySession {
  turns: ConversationTurn[];
  expiresAt: number;
}

/** Turns beyond this are dropped from memory (a rewrite never reads that far back). */
const MEMORY_MAX_TURNS = 100;

/**
 * Sessions in this process only (tests, and library users with a single process). A server with several
 * replicas needs DatabaseSessionStore: a follow-up may reach another replica.
 */
export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, MemorySession>();
  readonly #ttlMs: number;
  readonly #clock: Clock;

  constructor(opts: SessionStoreOptions) {
    this.#ttlMs = opts.ttlMs;
    this.#clock = opts.clock ?? systemClock;
  }

  turns(tenant: string, sessionId: string, limit: number): Promise<ConversationTurn[] | undefined> {
    const s = this.#sessions.get(key(tenant, sessionId));
    if (s === undefined || s.expiresAt <= this.#clock.now()) return Promise.resolve(undefined);
    return Promise.resolve(s.turns.slice(-limit).map((t) => ({ ...t })));
  }

  append(tenant: string, sessionId: string, turn: ConversationTurn): Promise<void> {
    const now = this.#clock.now();
    for (const [k, s] of this.#sessions) if (s.expiresAt <= now) this.#sessions.delete(k);
    const k = key(tenant, sessionId);
    const s = this.#sessions.get(k) ?? { turns: [], expiresAt: 0 };
    s.turns.push({ question: turn.question, answer: turn.answer });
    if (s.turns.length > MEMORY_MAX_TURNS) s.turns.splice(0, s.turns.length - MEMORY_MAX_TURNS);
    s.expiresAt = now + this.#ttlMs;
    this.#sessions.set(k, s);
    return Promise.resolve();
  }
}

function key(tenant: string, sessionId: string): string {
  return `${tenant}\u0000${sessionId}`;
}
