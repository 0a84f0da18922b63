import { StrataError, systemClock, type Clock } from '../../core/index.js';
import type { GatewayMetrics, Logger } from '../../observe/index.js';
import { usageSummary, type Store } from '../../store/index.js';
import type { SpendStore } from './spend-store.js';
import { windowEnd, windowStart, type BudgetWindow } from './window.js';

/** One configured budget (strata.yaml `budgets.<name>`). */
export interface BudgetRule {
  name: string;
  /** a tenant, '*' for each tenant separately, undefined for all traffic together */
  tenant?: string;
  tags: Record<string, string>;
  window: BudgetWindow;
  limitUsd: number;
  action: 'block' | 'downgrade';
  downgradeTo?: string;
  alerts: number[];
}

/** What the budgets say about one request before it is sent. */
export interface BudgetDecision {
  /** a block budget is spent: refuse with budget_exceeded */
  block?: { rule: BudgetRule; spentUsd: number };
  /** a downgrade budget is spent: send to the cheapest model (or the rule's downgradeTo) */
  downgrade?: { rule: BudgetRule; spentUsd: number };
}

export interface BudgetGuardOptions {
  rules: BudgetRule[];
  spend: SpendStore;
  /** the invocation store: spend of a window is seeded from it, and re-read every resyncMs so replicas sharing one database see each other's spend */
  store?: Store;
  resyncMs?: number;
  clock?: Clock;
  logger?: Logger;
  metrics?: GatewayMetrics;
}

interface ScopeState {
  seeded?: Promise<void>;
  lastSync: number;
}

/** Budget scope of a request under a rule, or undefined when the rule does not apply to it. */
function scopeOf(rule: BudgetRule, tenant: string, tags: Record<string, string>): string | undefined {
  if (rule.tenant !== undefined && rule.tenant !== '*' && rule.tenant !== tenant) return undefined;
  for (const k in rule.tags) if (tags[k] !== rule.tags[k]) return undefined;
  return rule.tenant === '*' ? tenant : (rule.tenant ?? '*');
}

/**
 * Checks budgets before a request and counts its cost after. Spend lives in a SpendStore (memory or
 * Redis); each window's count starts from the invocation records already stored, so a restart does not
 * reset a budget. Without Redis, replicas sharing one database converge by re-reading the stored spend
 * (never double counting: the count is raised to the stored total, not added to it).
 */
export class BudgetGuard {
  readonly #rules: BudgetRule[];
  readonly #spend: SpendStore;
  readonly #store: Store | undefined;
  readonly #resyncMs: number;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #metrics: GatewayMetrics | undefined;
  readonly #scopes = new Map<string, ScopeState>();

  constructor(opts: BudgetGuardOptions) {
    this.#rules = opts.rules;
    this.#spend = opts.spend;
    this.#store = opts.store;
    this.#resyncMs = opts.resyncMs ?? 10_000;
    this.#clock = opts.clock ?? systemClock;
    this.#logger = opts.logger;
    this.#metrics = opts.metrics;
  }

  get rules(): readonly BudgetRule[] {
    return this.#rules;
  }

  /** The budgets' verdict on a request of this tenant and these tags. */
  async check(tenant: string, tags: Record<string, string>): Promise<BudgetDecision> {
    const now = this.#clock.now();
    const out: BudgetDecision = {};
    for (const rule of this.#rules) {
      const scope = scopeOf(rule, tenant, tags);
      if (scope === undefined) continue;
      const spent = await this.#current(rule, scope, now);
      if (spent < rule.limitUsd) continue;
      if (rule.action === 'block') {
        out.block ??= { rule, spentUsd: spent };
      } else {
        out.downgrade ??= { rule, spentUsd: spent };
      }
    }
    if (out.block) this.#metrics?.budgetActions.inc({ budget: out.block.rule.name, action: 'block' });
    return out;
  }

  /** The error a blocked request gets: 429 budget_exceeded, retryable when the window turns. */
  blockedError(d: NonNullable<BudgetDecision['block']>): StrataError {
    const now = this.#clock.now();
    const end = windowEnd(d.rule.window, now);
    return new StrataError(
      'budget_exceeded',
      `Budget '${d.rule.name}' is spent: $${d.spentUsd.toFixed(4)} of $${d.rule.limitUsd} this ${d.rule.window} (resets ${new Date(end).toISOString()}).`,
      { retryAfterMs: end - now, details: { budget: d.rule.name, spentUsd: d.spentUsd, limitUsd: d.rule.limitUsd } },
    );
  }

  /** Counts a finished request's cost against every budget it falls under, raising alerts as thresholds are crossed. */
  async record(tenant: string, tags: Record<string, string>, costUsd: number): Promise<void> {
    if (!(costUsd > 0)) return;
    const now = this.#clock.now();
    for (const rule of this.#rules) {
      const scope = scopeOf(rule, tenant, tags);
      if (scope === undefined) continue;
      const key = this.#key(rule, scope, now);
      const expiresAt = windowEnd(rule.window, now) + 86_400_000;
      await this.#ensureSeeded(rule, scope, key, now);
      const total = await this.#spend.add(key, costUsd, expiresAt);
      this.#metrics?.budgetSpend.set({ budget: rule.name, scope }, total);
      await this.#alerts(rule, scope, key, total - costUsd, total, expiresAt);
    }
  }

  #key(rule: BudgetRule, scope: string, now: number): string {
    return `${rule.name}|${scope}|${windowStart(rule.window, now)}`;
  }

  async #current(rule: BudgetRule, scope: string, now: number): Promise<number> {
    const key = this.#key(rule, scope, now);
    await this.#ensureSeeded(rule, scope, key, now);
    const state = this.#scopes.get(key)!;
    if (this.#store && this.#spend.kind === 'memory' && now - state.lastSync >= this.#resyncMs) {
      state.lastSync = now;
      const stored = await this.#storedSpend(rule, scope, now);
      const total = await this.#spend.atLeast(key, stored, windowEnd(rule.window, now) + 86_400_000);
      this.#metrics?.budgetSpend.set({ budget: rule.name, scope }, total);
      return total;
    }
    return (await this.#spend.get(key)) ?? 0;
  }

  #ensureSeeded(rule: BudgetRule, scope: string, key: string, now: number): Promise<void> {
    let state = this.#scopes.get(key);
    if (!state) {
      state = { lastSync: now };
      this.#scopes.set(key, state);
      this.#forgetEndedWindows(now);
    }
    state.seeded ??= (async () => {
      if (!this.#store) return;
      const stored = await this.#storedSpend(rule, scope, now);
      await this.#spend.seed(key, stored, windowEnd(rule.window, now) + 86_400_000);
    })();
    return state.seeded;
  }

  #forgetEndedWindows(now: number): void {
    // without this an in-process store would keep every past window's counts for as long as the process runs
    this.#spend.prune?.(now);
    for (const key of this.#scopes.keys()) {
      const start = Number(key.slice(key.lastIndexOf('|') + 1));
      const rule = this.#rules.find((r) => key.startsWith(`${r.name}|`));
      if (!rule || windowEnd(rule.window, start) <= now) this.#scopes.delete(key);
    }
  }

  async #storedSpend(rule: BudgetRule, scope: string, now: number): Promise<number> {
    const rows = await usageSummary(this.#store!, {
      since: windowStart(rule.window, now),
      tenant: rule.tenant === undefined ? undefined : scope,
      tags: rule.tags,
    });
    return rows.reduce((sum, r) => sum + r.costUsd, 0);
  }

  async #alerts(rule: BudgetRule, scope: string, key: string, before: number, after: number, expiresAt: number): Promise<void> {
    for (const threshold of rule.alerts) {
      const at = threshold * rule.limitUsd;
      if (after < at || before >= at) continue;
      if (!(await this.#spend.claimOnce(`${key}|${threshold}`, expiresAt))) continue;
      this.#metrics?.budgetAlerts.inc({ budget: rule.name, threshold: String(threshold) });
      this.#logger?.warn(
        { event: 'budget_alert', budget: rule.name, scope, threshold, spentUsd: after, limitUsd: rule.limitUsd, window: rule.window, action: rule.action },
        `budget '${rule.name}' reached ${Math.round(threshold * 100)}% of $${rule.limitUsd} this ${rule.window}`,
      );
    }
  }
}
