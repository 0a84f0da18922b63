import type { Kysely } from 'kysely';
import { StrataError, isRecord, newId, systemClock, type Clock } from '../../core/index.js';
import type { ExperimentsTable, FeedbackTable, Store, StrataDatabase } from '../../store/index.js';
import { LABEL_PATTERN, assertPromptName, assertVersion } from '../refs.js';
import type { LabelActor, PromptRegistry } from '../registry.js';
import type { LabelEvent } from '../types.js';
import { exec, rowsOf, runWriteTransaction } from '../write-transaction.js';
import { assignArm, validateArms } from './assignment.js';
import { experimentResults, type ExperimentObservation, type ExperimentResults } from './results.js';
import {
  EXPERIMENT_KINDS,
  EXPERIMENT_STATUSES,
  type CreateExperimentInput,
  type Experiment,
  type ExperimentArm,
  type ExperimentKind,
  type ExperimentStatus,
  type ExperimentStoreOptions,
  type Feedback,
  type FeedbackInput,
} from './store-types.js';

type Transition = 'start' | 'pause' | 'stop';
const TRANSITIONS: Record<Transition, { from: readonly ExperimentStatus[]; to: ExperimentStatus }> = {
  start: { from: ['draft', 'paused'], to: 'running' },
  pause: { from: ['running'], to: 'paused' },
  stop: { from: ['running', 'paused'], to: 'stopped' },
};

/** Route names and model aliases as strata.yaml accepts them (config sits above prompts, so not imported). */
const ROUTE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_ARMS = 20;
const ARM_FIELDS: readonly string[] = ['name', 'weight', 'version', 'model'];
const MAX_COMMENT = 2000;
const MAX_CACHED = 10_000;
const PRODUCTION = 'production';

const invalid = (message: string, status?: number): StrataError => new StrataError('invalid_request', message, status === undefined ? {} : { status });

function toExperiment(r: ExperimentsTable): Experiment {
  return {
    id: r.id,
    tenant: r.tenant,
    name: r.name,
    kind: r.kind as ExperimentKind,
    target: r.target,
    // validated before it was written
    arms: JSON.parse(r.arms) as ExperimentArm[],
    status: r.status as ExperimentStatus,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    createdBy: r.created_by,
    promotedArm: r.promoted_arm,
  };
}

function assertActor(actor: string): void {
  if (typeof actor !== 'string' || actor.trim() === '') throw invalid('Say who is acting (actor) on experiment changes.');
}

/** Arms in canonical form (only the fields their kind uses), or invalid_request naming the bad one. */
function checkArms(kind: ExperimentKind, raw: unknown): ExperimentArm[] {
  if (!Array.isArray(raw)) throw invalid('arms must be a list of {name, weight?, version | model}.');
  if (raw.length > MAX_ARMS) throw invalid(`An experiment has at most ${MAX_ARMS} arms; got ${raw.length}.`);
  const arms = raw.map((a: unknown, i): ExperimentArm => {
    if (!isRecord(a)) throw invalid(`Arm ${i + 1} must be an object {name, weight?, ${kind === 'prompt' ? 'version' : 'model'}}.`);
    const extra = Object.keys(a).find((k) => !ARM_FIELDS.includes(k));
    // a misspelt field ("wieght") would otherwise be ignored and the arm silently get the default
    if (extra !== undefined) throw invalid(`Arm ${i + 1} has unknown field '${extra.slice(0, 40)}'; arms have name, weight, version (prompt) or model (route).`);
    const { name, weight = 1, version, model } = a;
    if (typeof name !== 'string' || !LABEL_PATTERN.test(name)) {
      throw invalid(`Invalid arm name ${JSON.stringify(name)}: a lower-case letter, then up to 31 lower-case letters, digits, '.', '_' or '-'.`);
    }
    if (typeof weight !== 'number') throw invalid(`Arm '${name}': weight must be a number.`);
    if (kind === 'prompt') {
      if (model !== undefined) throw invalid(`Arm '${name}': a prompt experiment's arms name a version, not a model.`);
      if (typeof version !== 'number') throw invalid(`Arm '${name}' needs a prompt version (a whole number from 1).`);
      assertVersion(version);
      return { name, weight, version };
    }
    if (version !== undefined) throw invalid(`Arm '${name}': a route experiment's arms name a model, not a version.`);
    if (typeof model !== 'string' || !ROUTE_NAME.test(model)) throw invalid(`Arm '${name}' needs a model alias of strata.yaml (letters, digits, '.', '_', '-').`);
    return { name, weight, model };
  });
  validateArms(arms);
  return arms;
}

/** What running() remembers of one target: the query's promise and, once it settled, its answer. */
interface RunningMemo {
  until: number;
  value: Promise<Experiment | undefined>;
  settled?: { experiment: Experiment | undefined };
}

/**
 * The running-experiment memo by (kind, tenant, target), one Map per level: the names arrive as the same
 * string objects request after request, so a lookup builds and hashes no new key string (a joined key cost
 * measurably on the request path). Bounded: cleared when it holds MAX_CACHED entries.
 */
class RunningMemos {
  readonly #byKind = new Map<ExperimentKind, Map<string, Map<string, RunningMemo>>>();
  #size = 0;

  get(tenant: string, kind: ExperimentKind, target: string): RunningMemo | undefined {
    return this.#byKind.get(kind)?.get(tenant)?.get(target);
  }

  set(tenant: string, kind: ExperimentKind, target: string, entry: RunningMemo): void {
    if (this.#size >= MAX_CACHED) this.clear();
    let byTenant = this.#byKind.get(kind);
    if (byTenant === undefined) this.#byKind.set(kind, (byTenant = new Map<string, Map<string, RunningMemo>>()));
    let byTarget = byTenant.get(tenant);
    if (byTarget === undefined) byTenant.set(tenant, (byTarget = new Map<string, RunningMemo>()));
    if (!byTarget.has(target)) this.#size++;
    byTarget.set(target, entry);
  }

  /** forgets `entry` if it is still the one kept for these names */
  delete(tenant: string, kind: ExperimentKind, target: string, entry: RunningMemo): void {
    const byTarget = this.#byKind.get(kind)?.get(tenant);
    if (byTarget?.get(target) !== entry) return;
    byTarget.delete(target);
    this.#size--;
  }

  clear(): void {
    this.#byKind.clear();
    this.#size = 0;
  }
}

/**
 * Experiments (A/B tests) of a tenant over a prompt's versions or a route's models, their lifecycle,
 * sticky assignment, user feedback on invocations and per-arm results from the invocation records.
 */
export class ExperimentStore {
  readonly #store: Store;
  readonly #db: Kysely<StrataDatabase>;
  readonly #clock: Clock;
  readonly #cacheMs: number;
  readonly #flush: (() => Promise<void>) | undefined;
  readonly #running = new RunningMemos();

  constructor(store: Store, opts: ExperimentStoreOptions = {}) {
    this.#store = store;
    // The tables exist once migration 8 ran; schema.ts does not list them yet.
    this.#db = store.db;
    this.#clock = opts.clock ?? systemClock;
    this.#cacheMs = opts.cacheMs ?? 1000;
    this.#flush = opts.flushInvocations;
  }

  /** A new experiment in status draft; prompt arms must name existing versions of the prompt. */
  async create(tenant: string, input: CreateExperimentInput, actor: string): Promise<Experiment> {
    assertActor(actor);
    if (!isRecord(input)) throw invalid('Give the experiment as {name, kind, target, arms}.');
    const { name, kind, target } = input;
    if (typeof name !== 'string' || !LABEL_PATTERN.test(name)) {
      throw invalid(`Invalid experiment name ${JSON.stringify(name)}: a lower-case letter, then up to 31 lower-case letters, digits, '.', '_' or '-'.`);
    }
    if (!EXPERIMENT_KINDS.includes(kind)) throw invalid(`kind must be 'prompt' or 'route', got ${JSON.stringify(kind)}.`);
    if (kind === 'prompt') assertPromptName(target);
    else if (typeof target !== 'string' || !ROUTE_NAME.test(target)) throw invalid(`Invalid route name ${JSON.stringify(target)}: letters, digits, '.', '_' or '-'.`);
    const arms = checkArms(kind, input.arms);
    if (kind === 'prompt') await this.#checkVersions(tenant, target, arms);
    const now = this.#clock.now();
    const row: ExperimentsTable = { id: newId('exp', now), tenant, name, kind, target, arms: JSON.stringify(arms), status: 'draft', created_at: now, updated_at: now, created_by: actor, promoted_arm: null };
    await this.#db.insertInto('experiments').values(row).execute();
    return toExperiment(row);
  }

  /** One experiment of the tenant, or not_found (an id of another tenant is not found either). */
  async get(tenant: string, id: string): Promise<Experiment> {
    const row = typeof id === 'string' ? await this.#db.selectFrom('experiments').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst() : undefined;
    if (row === undefined) throw new StrataError('not_found', `No experiment '${String(id).slice(0, 60)}' in tenant '${tenant}'; list them with GET /v1/experiments or 'strata experiments list'.`);
    return toExperiment(row);
  }

  /** The tenant's experiments, newest first. */
  async list(tenant: string, filter: { target?: string; status?: ExperimentStatus } = {}): Promise<Experiment[]> {
    if (filter.status !== undefined && !EXPERIMENT_STATUSES.includes(filter.status)) throw invalid(`status must be one of ${EXPERIMENT_STATUSES.join(', ')}.`);
    let q = this.#db.selectFrom('experiments').selectAll().where('tenant', '=', tenant);
    if (filter.target !== undefined) q = q.where('target', '=', filter.target);
    if (filter.status !== undefined) q = q.where('status', '=', filter.status);
    return (await q.orderBy('created_at', 'desc').orderBy('id', 'desc').execute()).map(toExperiment);
  }

  /** draft|paused → running; at most one experiment runs per (tenant, kind, target). */
  start(tenant: string, id: string, actor: string): Promise<Experiment> {
    return this.#transition(tenant, id, 'start', actor);
  }

  /** running → paused: requests get the prompt's or route's normal version again. */
  pause(tenant: string, id: string, actor: string): Promise<Experiment> {
    return this.#transition(tenant, id, 'pause', actor);
  }

  /** running|paused → stopped, for good. */
  stop(tenant: string, id: string, actor: string): Promise<Experiment> {
    return this.#transition(tenant, id, 'stop', actor);
  }

  /**
   * The running experiment on a prompt or route, or undefined: asked on every request, so answered from
   * memory for cacheMs (this store's own writes clear it at once; other processes' within cacheMs).
   */
  /**
   * running() without waiting, when its answer is in memory and fresh: `{ experiment }` (undefined = none
   * running), or undefined when it must be asked. Saves the request path two asynchronous hops.
   */
  runningNow(tenant: string, kind: ExperimentKind, target: string): { experiment: Experiment | undefined } | undefined {
    const hit = this.#running.get(tenant, kind, target);
    return hit !== undefined && hit.until > this.#clock.now() ? hit.settled : undefined;
  }

  running(tenant: string, kind: ExperimentKind, target: string): Promise<Experiment | undefined> {
    const now = this.#clock.now();
    const hit = this.#running.get(tenant, kind, target);
    if (hit !== undefined && hit.until > now) return hit.value;
    // The promise itself is cached, so a burst of requests shares one query.
    const value = this.#db
      .selectFrom('experiments')
      .selectAll()
      .where('tenant', '=', tenant)
      .where('kind', '=', kind)
      .where('target', '=', target)
      .where('status', '=', 'running')
      .executeTakeFirst()
      .then((r) => (r === undefined ? undefined : toExperiment(r)));
    const entry: RunningMemo = { until: now + this.#cacheMs, value };
    this.#running.set(tenant, kind, target, entry);
    value.then((experiment) => (entry.settled = { experiment }), () => undefined);
    value.catch(() => this.#running.delete(tenant, kind, target, entry));
    return value;
  }

  /** The arm a subject sees: sticky per (experiment, subject), shares by weight. */
  assign(experiment: Experiment, subject: string): ExperimentArm {
    const name = assignArm(experiment.id, subject, experiment.arms);
    const arm = experiment.arms.find((a) => a.name === name);
    if (arm === undefined) throw new StrataError('internal', `Experiment ${experiment.id} assigned unknown arm '${name}'.`);
    return arm;
  }

  /**
   * Moves the prompt's `production` label to the arm's version, marks the arm promoted and stops the
   * experiment. The label moves first: if it is refused (a protected label, a missing version) nothing changes.
   */
  async promote(
    tenant: string,
    id: string,
    armName: string,
    registry: Pick<PromptRegistry, 'setLabel'>,
    actor: string,
    actorRole?: string,
  ): Promise<{ experiment: Experiment; labelEvent: LabelEvent }> {
    assertActor(actor);
    const e = await this.get(tenant, id);
    if (e.kind !== 'prompt') throw invalid(`Experiment ${id} is over route '${e.target}': promote moves a prompt label, so change the route's models in strata.yaml instead.`);
    if (e.status === 'draft') throw invalid(`Experiment ${id} is draft: start it and collect results before promoting an arm.`);
    if (e.promotedArm !== null) throw invalid(`Experiment ${id} already promoted arm '${e.promotedArm}'.`, 409);
    const arm = e.arms.find((a) => a.name === armName);
    if (arm?.version === undefined) throw invalid(`Experiment ${id} has no arm ${JSON.stringify(armName)}; its arms: ${e.arms.map((a) => a.name).join(', ')}.`);
    const who: LabelActor = { actor, reason: `promoted from experiment ${id}`, ...(actorRole === undefined ? {} : { actorRole }) };
    const labelEvent = await registry.setLabel(tenant, e.target, PRODUCTION, arm.version, who);
    const now = this.#clock.now();
    await this.#db.updateTable('experiments').set({ status: 'stopped', promoted_arm: arm.name, updated_at: now }).where('tenant', '=', tenant).where('id', '=', id).execute();
    this.#running.clear();
    return { experiment: { ...e, status: 'stopped', promotedArm: arm.name, updatedAt: now }, labelEvent };
  }

  /**
   * Records (or replaces: the last feedback wins) a user's score or thumbs on an invocation of the tenant.
   * The comment is free text and is kept only when the tenant allows it (`storeText`).
   */
  async recordFeedback(tenant: string, input: FeedbackInput, opts: { storeText: boolean }): Promise<Feedback> {
    if (!isRecord(input)) throw invalid('Give feedback as {invocationId, score | thumbs, comment?}.');
    const { invocationId, score, thumbs, comment, keyId } = input;
    if (typeof invocationId !== 'string' || invocationId === '' || invocationId.length > 100) throw invalid('invocation_id must be the x-strata-invocation-id of a response.');
    if ((score === undefined) === (thumbs === undefined)) throw invalid("Give exactly one of 'score' (0 to 1) and 'thumbs' ('up' or 'down').");
    if (score !== undefined && (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1)) throw invalid(`score must be a number from 0 to 1, got ${JSON.stringify(score)}.`);
    if (thumbs !== undefined && thumbs !== 'up' && thumbs !== 'down') throw invalid(`thumbs must be 'up' or 'down', got ${JSON.stringify(thumbs)}.`);
    if (comment !== undefined && (typeof comment !== 'string' || comment.length > MAX_COMMENT)) throw invalid(`comment must be text of at most ${MAX_COMMENT} characters.`);
    if (!(await this.#invocationTenantIs(invocationId, tenant))) {
      // The same answer for another tenant's id: it must not confirm that the id exists.
      throw new StrataError('not_found', `No invocation '${invocationId.slice(0, 100)}' in tenant '${tenant}'; send the x-strata-invocation-id of a response of this tenant.`);
    }
    const now = this.#clock.now();
    const stored = opts.storeText && comment !== undefined ? comment : null;
    const row: FeedbackTable = { invocation_id: invocationId, tenant, key_id: keyId ?? null, score: score ?? null, thumbs: thumbs === undefined ? null : thumbs === 'up' ? 1 : 0, comment: stored, created_at: now };
    const { invocation_id: _id, tenant: _t, ...update } = row;
    await this.#db.insertInto('feedback').values(row).onConflict((oc) => oc.column('invocation_id').doUpdateSet(update)).execute();
    return { invocationId, tenant, keyId: row.key_id, score: row.score, thumbs: thumbs ?? null, comment: stored, commentDropped: comment !== undefined && stored === null, createdAt: now };
  }

  /** Per-arm results from the invocation records served by the experiment, with their feedback. */
  async results(tenant: string, id: string, opts: { seed?: number } = {}): Promise<{ experiment: Experiment; results: ExperimentResults }> {
    const experiment = await this.get(tenant, id);
    const rows = await this.#db
      .selectFrom('invocations as i')
      .leftJoin('feedback as f', 'f.invocation_id', 'i.id')
      .select(['i.arm', 'i.status', 'i.latency_ms', 'i.input_tokens', 'i.output_tokens', 'i.cost_usd', 'f.score', 'f.thumbs'])
      .where('i.tenant', '=', tenant)
      .where('i.experiment', '=', id)
      .execute();
    const observations = rows.map((r): ExperimentObservation => {
      const feedback = r.score ?? r.thumbs;
      const o: ExperimentObservation = {
        // a record without an arm is reported by experimentResults as a stray, not dropped silently
        arm: r.arm ?? '(none)',
        ok: r.status === 'ok',
        latencyMs: Number(r.latency_ms),
        inputTokens: Number(r.input_tokens),
        outputTokens: Number(r.output_tokens),
        costUsd: r.cost_usd === null ? null : Number(r.cost_usd),
      };
      if (feedback !== null && feedback !== undefined) o.feedback = Number(feedback);
      return o;
    });
    const arms = experiment.arms.map((a) => a.name);
    return { experiment, results: experimentResults({ arms, observations, ...(opts.seed === undefined ? {} : { seed: opts.seed }) }) };
  }

  async #checkVersions(tenant: string, prompt: string, arms: readonly ExperimentArm[]): Promise<void> {
    const row = await this.#db.selectFrom('prompt_versions').select((eb) => eb.fn.max('version').as('newest')).where('tenant', '=', tenant).where('name', '=', prompt).executeTakeFirst();
    const newest = row?.newest === null || row?.newest === undefined ? 0 : Number(row.newest);
    if (newest === 0) throw invalid(`No prompt '${prompt}' in tenant '${tenant}'; push it before experimenting on it.`);
    // Versions are numbered 1..newest without gaps and never deleted.
    const missing = arms.find((a) => (a.version ?? 0) > newest);
    if (missing !== undefined) throw invalid(`Arm '${missing.name}': prompt '${prompt}' has no version ${missing.version} (it has versions 1-${newest}).`);
  }

  async #invocationTenantIs(invocationId: string, tenant: string): Promise<boolean> {
    const find = () => this.#db.selectFrom('invocations').select('tenant').where('id', '=', invocationId).executeTakeFirst();
    let row = await find();
    if (row === undefined && this.#flush !== undefined) {
      await this.#flush();
      row = await find();
    }
    return row?.tenant === tenant;
  }

  async #transition(tenant: string, id: string, action: Transition, actor: string): Promise<Experiment> {
    assertActor(actor);
    const { from, to } = TRANSITIONS[action];
    const db = this.#db;
    const postgres = this.#store.dialect === 'postgres';
    const now = this.#clock.now();
    try {
      const updated = await runWriteTransaction(this.#store, function* () {
        const q = db.selectFrom('experiments').selectAll().where('tenant', '=', tenant).where('id', '=', id);
        // Row lock: two transitions of one experiment take turns, so each sees the status the other left.
        const [row] = yield* rowsOf(postgres ? q.forUpdate() : q);
        if (row === undefined) return undefined;
        if (!from.includes(row.status as ExperimentStatus)) {
          throw invalid(`Experiment ${id} is ${row.status}; ${action} needs it ${from.join(' or ')}.`);
        }
        if (to === 'running') {
          const [other] = yield* rowsOf(
            db.selectFrom('experiments').select(['id', 'name']).where('tenant', '=', tenant).where('kind', '=', row.kind).where('target', '=', row.target).where('status', '=', 'running').where('id', '!=', id),
          );
          if (other !== undefined) throw invalid(`Experiment ${other.id} (${other.name}) is already running on ${row.kind} '${row.target}'; pause or stop it first.`, 409);
        }
        yield* exec(db.updateTable('experiments').set({ status: to, updated_at: now }).where('tenant', '=', tenant).where('id', '=', id));
        return toExperiment({ ...row, status: to, updated_at: now });
      });
      // no such experiment in the tenant: get() throws the not_found that says so
      return updated ?? (await this.get(tenant, id));
    } catch (e) {
      // Two concurrent starts on PostgreSQL can both pass the check above; the partial unique index stops one.
      if (isUniqueViolation(e)) throw invalid(`Another experiment is already running on this target; pause or stop it first.`, 409);
      throw e;
    } finally {
      this.#running.clear();
    }
  }
}

function isUniqueViolation(e: unknown): boolean {
  const code = isRecord(e) ? e.code : undefined;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
