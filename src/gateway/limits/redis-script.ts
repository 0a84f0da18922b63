import { createHash } from 'node:crypto';
import type { RedisClient } from '../../store/index.js';

/** What a script returned, as RESP2 delivers Lua values: integers, strings, nested arrays, nulls. */
export type ScriptReply = number | string | null | ScriptReply[];

/**
 * A Lua script sent by digest. EVALSHA saves re-sending the source on every request; a server
 * that does not know the digest (restarted, SCRIPT FLUSH, a failover to a fresh replica) answers
 * NOSCRIPT, and the one EVAL with the source loads it into the script cache again.
 */
export class RedisScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script atomically on the server with the given keys and arguments. */
  async run(client: RedisClient, keys: string[], args: string[]): Promise<ScriptReply> {
    try {
      return toScriptReply(await client.evalSha(this.#sha, { keys, arguments: args }));
    } catch (e) {
      if (!(e instanceof Error && e.message.startsWith('NOSCRIPT'))) throw e;
      return toScriptReply(await client.eval(this.#source, { keys, arguments: args }));
    }
  }
}

function toScriptReply(v: unknown): ScriptReply {
  if (v === null || typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(toScriptReply);
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  throw new TypeError(`unexpected Lua script reply of type ${typeof v}`);
}

/** The n-th element of an array reply as a number; a malformed reply is a bug in the script. */
export function replyNumber(reply: ScriptReply, index: number): number {
  const v = Array.isArray(reply) ? reply[index] : undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (Number.isNaN(n)) throw new TypeError(`Lua script reply element ${index} is not a number`);
  return n;
}
