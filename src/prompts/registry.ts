import type { Kysely } from 'kysely';
import { StrataError, systemClock, type Clock } from '../core/index.js';
import type { Store, StrataDatabase } from '../store/index.js';
import { promptContentHash } from './content-hash.js';
import { unifiedDiff } from './diff.js';
import { stringifyPromptContent, validatePromptContent } from './file.js';
import { LATEST_LABEL, assertActor, assertLabelName, assertPromptName, assertSettableLabel, assertTenant, assertVersion } from './refs.js';
import type { LabelEvent, LabelEventKind, PromptContent, PromptLabel, PromptRef, PromptType, PromptVersion } from './types.js';
import { exec, rowsOf, runWriteTransaction, type WriteSteps } from './write-transaction.js';

/** A label event together with the prompt it belongs to: what onLabelChange receives. */
export interface LabelChange {
  tenant: string;
  name: string;
  label: string;
  event: LabelEvent;
}

export interface PromptRegistryOptions {
  clock?: Clock;
  /**
   * Called after commit for every recorded label event (`latest` moves on push included). It must not
   * throw; whatever it throws is swallowed, since the write it reports has already committed.
   */
  onLabelChange?: (change: LabelChange) => void;
}

/** One prompt in list(): its type (of the newest version), latest version, labels → versions, last change (epoch ms). */
export interface PromptSummary {
  name: string;
  type: PromptType;
  latest: number;
  labels: Record<string, number>;
  updatedAt: number;
}

/** Who is acting, for label writes: protected labels need role admin or developer and a reason. */
export interface LabelActor {
  actor: string;
  actorRole?: string;
  reason?: string;
}

type Db = Kysely<StrataDatabase>;
type VersionRow = StrataDatabase['prompt_versions'];

const PROTECTED_LABEL_ROLES: ReadonlySet<string> = new Set(['admin', 'developer']);

function toVersion(row: VersionRow): PromptVersion {
  return {
    tenant: row.tenant,
    name: row.name,
    version: Number(row.version),
    hash: row.hash,
    // Validated before it was written; versions are immutable, so what comes back is what went in.
    content: JSON.parse(row.content) as PromptContent,
    message: row.message,
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
  };
}

function unknownPrompt(tenant: string, name: string): StrataError {
  return new StrataError('not_found', `No prompt '${name}' in tenant '${tenant}'; push it first ('strata prompts push').`);
}

/** Changing a protected label (or protecting one) needs an admin or developer key and a reason. */
function checkProtected(name: string, label: string, role: string | undefined, reason: string | null): void {
  if (role === undefined || !PROTECTED_LABEL_ROLES.has(role)) {
    throw new StrataError('forbidden', `Label '${label}' of prompt '${name}' is protected: only admin or developer keys may change it (this request's role is ${role ?? 'unknown'}).`);
  }
  if (reason === null) throw new StrataError('forbidden', `Label '${label}' of prompt '${name}' is protected: give a reason for changing it.`);
}

/**
 * The prompt registry over the Store: versions (immutable, numbered per prompt, deduplicated by
 * content hash against the newest version), labels, their history and rollback. Every write is one
 * transaction that holds the prompt's row lock (PostgreSQL) or the write lock (SQLite), so writers to
 * one prompt take turns and version numbers never collide.
 */
export class PromptRegistry {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #onLabelChange: ((change: LabelChange) => void) | undefined;

  constructor(store: Store, opts: PromptRegistryOptions = {}) {
    this.#store = store;
    this.#clock = opts.clock ?? systemClock;
    this.#onLabelChange = opts.onLabelChange;
  }

  /**
   * Stores content as a new version unless it equals the newest version's content (then nothing is
   * written and created is false: pushing the same files twice is a no-op, while reverting to an
   * older content is a new version, so `latest` is always the newest version). Moves `latest`, and
   * `label` when given, to the resulting version.
   */
  async push(
    tenant: string,
    input: PromptContent,
    opts: LabelActor & { message?: string; label?: string },
  ): Promise<{ version: PromptVersion; created: boolean; labelEvent?: LabelEvent }> {
    assertTenant(tenant);
    assertActor(opts.actor);
    const content = validatePromptContent(input, typeof input?.name === 'string' ? `'${input.name}'` : 'content');
    if (opts.label !== undefined) assertSettableLabel(opts.label, 'set');
    const hash = promptContentHash(content);
    const now = this.#clock.now();
    const db = this.#store.db;
    const name = content.name;
    return this.#write(tenant, name, content.type, function* (this: PromptRegistry, changes) {
      const [newest] = yield* rowsOf(db.selectFrom('prompt_versions').selectAll().where('tenant', '=', tenant).where('name', '=', name).orderBy('version', 'desc').limit(1));
      let row: VersionRow;
      if (newest !== undefined && newest.hash === hash) {
        row = newest;
      } else {
        row = { tenant, name, version: (newest === undefined ? 0 : Number(newest.version)) + 1, hash, content: JSON.stringify(content), message: opts.message ?? null, created_at: now, created_by: opts.actor };
        yield* exec(db.insertInto('prompt_versions').values(row));
        yield* exec(db.updateTable('prompts').set({ type: content.type }).where('tenant', '=', tenant).where('name', '=', name));
      }
      const version = toVersion(row);
      const created = row !== newest;
      yield* this.#move(changes, tenant, name, LATEST_LABEL, version.version, 'push', { actor: opts.actor }, now);
      if (opts.label === undefined) return { version, created };
      const moved = yield* this.#move(changes, tenant, name, opts.label, version.version, 'push', opts, now);
      return moved.recorded ? { version, created, labelEvent: moved.event } : { version, created };
    });
  }

  /** Every prompt of the tenant, by name: its type, latest version, labels and last change. */
  async list(tenant: string): Promise<PromptSummary[]> {
    assertTenant(tenant);
    const prompts = await this.#store.db.selectFrom('prompts').select(['name', 'type', 'created_at']).where('tenant', '=', tenant).orderBy('name').execute();
    const labels = await this.#store.db.selectFrom('prompt_labels').select(['name', 'label', 'version', 'updated_at']).where('tenant', '=', tenant).orderBy('label').execute();
    const byName = new Map(prompts.map((p): [string, PromptSummary] => [p.name, { name: p.name, type: p.type as PromptType, latest: 0, labels: {}, updatedAt: Number(p.created_at) }]));
    for (const l of labels) {
      const entry = byName.get(l.name);
      if (entry === undefined) continue;
      entry.labels[l.label] = Number(l.version);
      if (l.label === LATEST_LABEL) entry.latest = Number(l.version);
      entry.updatedAt = Math.max(entry.updatedAt, Number(l.updated_at));
    }
    return [...byName.values()];
  }

  /** One version: by number, by label, or (neither) the latest; not_found says which part is unknown. */
  async get(tenant: string, name: string, ref: PromptRef = {}): Promise<PromptVersion> {
    assertTenant(tenant);
    assertPromptName(name);
    const db = this.#store.db;
    if (ref.version !== undefined) {
      if (ref.label !== undefined) throw new StrataError('invalid_request', `Give a label or a version of prompt '${name}', not both.`);
      assertVersion(ref.version);
      const row = await db.selectFrom('prompt_versions').selectAll().where('tenant', '=', tenant).where('name', '=', name).where('version', '=', ref.version).executeTakeFirst();
      if (row !== undefined) return toVersion(row);
      const newest = await this.#newestVersion(db, tenant, name);
      if (newest === 0) throw unknownPrompt(tenant, name);
      throw new StrataError('not_found', `Prompt '${name}' has no version ${ref.version} (it has versions 1-${newest}).`);
    }
    const label = ref.label ?? LATEST_LABEL;
    assertLabelName(label);
    const row = await db
      .selectFrom('prompt_labels as l')
      .innerJoin('prompt_versions as v', (j) => j.onRef('v.tenant', '=', 'l.tenant').onRef('v.name', '=', 'l.name').onRef('v.version', '=', 'l.version'))
      .selectAll('v')
      .where('l.tenant', '=', tenant)
      .where('l.name', '=', name)
      .where('l.label', '=', label)
      .executeTakeFirst();
    if (row !== undefined) return toVersion(row);
    const labels = await this.labels(tenant, name);
    throw new StrataError('not_found', `Prompt '${name}' has no label '${label}' (labels: ${labels.map((l) => `${l.label}@${l.version}`).join(', ')}).`);
  }

  /** Every version of a prompt, oldest first. */
  async versions(tenant: string, name: string): Promise<PromptVersion[]> {
    assertTenant(tenant);
    assertPromptName(name);
    const rows = await this.#store.db.selectFrom('prompt_versions').selectAll().where('tenant', '=', tenant).where('name', '=', name).orderBy('version').execute();
    if (rows.length === 0) throw unknownPrompt(tenant, name);
    return rows.map(toVersion);
  }

  /** The labels of a prompt (`latest` included), by name. */
  async labels(tenant: string, name: string): Promise<PromptLabel[]> {
    assertTenant(tenant);
    assertPromptName(name);
    const rows = await this.#store.db.selectFrom('prompt_labels').selectAll().where('tenant', '=', tenant).where('name', '=', name).orderBy('label').execute();
    // Every prompt has `latest` from its first push on, so no label at all means no prompt.
    if (rows.length === 0) throw unknownPrompt(tenant, name);
    return rows.map((r) => ({ label: r.label, version: Number(r.version), protected: r.protected === 1, updatedAt: Number(r.updated_at), updatedBy: r.updated_by }));
  }

  /**
   * Moves (or creates) a label. `protect` true/false protects or unprotects it (absent: unchanged);
   * changing a protected label, or protecting one, needs actorRole admin|developer and a reason, else
   * forbidden. Setting a label where it already is records nothing and returns an event with from = to.
   */
  async setLabel(tenant: string, name: string, label: string, version: number, opts: LabelActor & { protect?: boolean }): Promise<LabelEvent> {
    assertTenant(tenant);
    assertPromptName(name);
    assertSettableLabel(label, 'set');
    assertVersion(version);
    assertActor(opts.actor);
    const now = this.#clock.now();
    return this.#write(tenant, name, undefined, function* (this: PromptRegistry, changes) {
      return (yield* this.#move(changes, tenant, name, label, version, 'set', opts, now)).event;
    });
  }

  /** Removes a label (its history stays; rollback can bring it back). */
  async removeLabel(tenant: string, name: string, label: string, opts: LabelActor): Promise<LabelEvent> {
    assertTenant(tenant);
    assertPromptName(name);
    assertSettableLabel(label, 'removed');
    assertActor(opts.actor);
    const now = this.#clock.now();
    return this.#write(tenant, name, undefined, function* (this: PromptRegistry, changes) {
      return (yield* this.#move(changes, tenant, name, label, null, 'remove', opts, now)).event;
    });
  }

  /**
   * Moves a label back to where it was before its last move that has not been rolled back yet: a
   * rollback undoes one move, two rollbacks undo two. The rollback is itself recorded; the history
   * stays. A label that did not exist before its last move is removed.
   */
  async rollback(tenant: string, name: string, label: string, opts: LabelActor): Promise<LabelEvent> {
    assertTenant(tenant);
    assertPromptName(name);
    assertSettableLabel(label, 'rolled back');
    assertActor(opts.actor);
    const now = this.#clock.now();
    const db = this.#store.db;
    return this.#write(tenant, name, undefined, function* (this: PromptRegistry, changes) {
      const events = yield* rowsOf(db.selectFrom('prompt_label_events').select(['from_version', 'kind']).where('tenant', '=', tenant).where('name', '=', name).where('label', '=', label).orderBy('id'));
      // Positions before each move still in effect: a move pushes where the label was, a rollback pops it.
      const before: (number | null)[] = [];
      for (const e of events) {
        if (e.kind === 'rollback') before.pop();
        else before.push(e.from_version === null ? null : Number(e.from_version));
      }
      if (before.length === 0) {
        throw new StrataError('invalid_request', `Label '${label}' of prompt '${name}' has no earlier position to roll back to.`);
      }
      const target = before.at(-1)!;
      return (yield* this.#move(changes, tenant, name, label, target, 'rollback', opts, now)).event;
    });
  }

  /** The label events of a prompt (of one label when given), oldest first. */
  async history(tenant: string, name: string, label?: string): Promise<LabelEvent[]> {
    assertTenant(tenant);
    assertPromptName(name);
    if (label !== undefined) assertLabelName(label);
    const db = this.#store.db;
    let q = db.selectFrom('prompt_label_events').selectAll().where('tenant', '=', tenant).where('name', '=', name);
    if (label !== undefined) q = q.where('label', '=', label);
    const rows = await q.orderBy('id').execute();
    if (rows.length === 0 && (await this.#newestVersion(db, tenant, name)) === 0) throw unknownPrompt(tenant, name);
    return rows.map((r) => ({
      label: r.label,
      kind: r.kind as LabelEventKind,
      from: r.from_version === null ? null : Number(r.from_version),
      to: r.to_version === null ? null : Number(r.to_version),
      actor: r.actor,
      reason: r.reason,
      at: Number(r.at),
    }));
  }

  /** Unified diff of two versions rendered as prompt files, under `--- name@va` / `+++ name@vb`; '' when equal. */
  async diff(tenant: string, name: string, a: PromptRef, b: PromptRef): Promise<string> {
    const [va, vb] = await Promise.all([this.get(tenant, name, a), this.get(tenant, name, b)]);
    return unifiedDiff(stringifyPromptContent(va.content), stringifyPromptContent(vb.content), { from: `${name}@${va.version}`, to: `${name}@${vb.version}` });
  }

  async #newestVersion(db: Db, tenant: string, name: string): Promise<number> {
    const row = await db.selectFrom('prompt_versions').select((eb) => eb.fn.max('version').as('v')).where('tenant', '=', tenant).where('name', '=', name).executeTakeFirst();
    return row?.v === null || row?.v === undefined ? 0 : Number(row.v);
  }

  /**
   * Runs the steps in one transaction holding the prompt's lock, then tells onLabelChange about the
   * label events they recorded. With `createType` the prompt row is created when missing (push);
   * without, an unknown prompt is not_found.
   */
  async #write<T>(tenant: string, name: string, createType: PromptType | undefined, steps: (this: PromptRegistry, changes: LabelChange[]) => WriteSteps<T>): Promise<T> {
    const changes: LabelChange[] = [];
    const db = this.#store.db;
    const postgres = this.#store.dialect === 'postgres';
    const created = this.#clock.now();
    const body = (): WriteSteps<T> => steps.call(this, changes);
    const result = await runWriteTransaction(this.#store, function* () {
      if (createType !== undefined) {
        yield* exec(db.insertInto('prompts').values({ tenant, name, type: createType, created_at: created }).onConflict((oc) => oc.columns(['tenant', 'name']).doNothing()));
      }
      const lock = db.selectFrom('prompts').select('name').where('tenant', '=', tenant).where('name', '=', name);
      // Row lock: concurrent writers to one prompt queue here, so each reads the versions the one before wrote.
      // (SQLite needs none: the write transaction holds the database's one write lock.)
      const [found] = yield* rowsOf(postgres ? lock.forUpdate() : lock);
      if (found === undefined) throw unknownPrompt(tenant, name);
      return yield* body();
    });
    for (const change of changes) {
      try {
        this.#onLabelChange?.(change);
      } catch {
        // The write has committed; a failing listener must not make it look failed.
      }
    }
    return result;
  }

  /** Points label at `to` (null removes it) inside a write, recording the event unless nothing changes. */
  *#move(changes: LabelChange[], tenant: string, name: string, label: string, to: number | null, kind: LabelEventKind, opts: LabelActor & { protect?: boolean }, now: number): WriteSteps<{ event: LabelEvent; recorded: boolean }> {
    const db = this.#store.db;
    const [current] = yield* rowsOf(db.selectFrom('prompt_labels').select(['version', 'protected']).where('tenant', '=', tenant).where('name', '=', name).where('label', '=', label));
    const from = current === undefined ? null : Number(current.version);
    if (to === null && current === undefined) throw new StrataError('not_found', `Prompt '${name}' has no label '${label}' to remove.`);
    if (to !== null) {
      const versions = yield* rowsOf(db.selectFrom('prompt_versions').select('version').where('tenant', '=', tenant).where('name', '=', name).orderBy('version', 'desc').limit(1));
      const newest = versions.length === 0 ? 0 : Number(versions[0]!.version);
      // Versions are numbered 1..newest without gaps and never deleted.
      if (to > newest) throw new StrataError('not_found', `Prompt '${name}' has no version ${to} (it has versions 1-${newest}); label '${label}' was not moved.`);
    }
    const wasProtected = current !== undefined && Number(current.protected) === 1;
    const willProtect = opts.protect ?? wasProtected;
    const reason = opts.reason?.trim() || null;
    const event: LabelEvent = { label, kind, from, to, actor: opts.actor, reason, at: now };
    if (from === to && wasProtected === willProtect) return { event, recorded: false };
    if (wasProtected || willProtect) checkProtected(name, label, opts.actorRole, reason);
    const where = { tenant, name, label };
    if (to === null) {
      yield* exec(db.deleteFrom('prompt_labels').where('tenant', '=', tenant).where('name', '=', name).where('label', '=', label));
    } else if (current === undefined) {
      yield* exec(db.insertInto('prompt_labels').values({ ...where, version: to, protected: willProtect ? 1 : 0, updated_at: now, updated_by: opts.actor }));
    } else {
      yield* exec(db.updateTable('prompt_labels').set({ version: to, protected: willProtect ? 1 : 0, updated_at: now, updated_by: opts.actor }).where('tenant', '=', tenant).where('name', '=', name).where('label', '=', label));
    }
    // Protecting or unprotecting in place is not a move: it updates the label, not its history.
    if (from === to) return { event, recorded: false };
    yield* exec(db.insertInto('prompt_label_events').values({ ...where, from_version: from, to_version: to, kind, actor: opts.actor, reason, at: now }));
    changes.push({ tenant, name, label, event });
    return { event, recorded: true };
  }
}

export { parsePromptRef } from './refs.js';
