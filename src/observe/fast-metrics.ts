import type { Registry } from 'prom-client';

/*
 * Hot-path metric types. prom-client validates and hashes a label object on every observation (~3 µs each);
 * a request makes several, which measured ~25 µs per request in the gateway benchmark. These keep one series
 * object per label combination, found through one Map per label in declared order, and register
 * with a prom-client Registry as custom metrics, so /metrics renders them next to prom-client's own.
 */

type Labels<L extends string> = Record<L, string>;

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

abstract class FastMetric<L extends string, S> {
  /** every series, for rendering */
  protected readonly series = new Set<S>();
  /** one level per label name, in declared order; the last level holds the series */
  #tree = new Map<string, unknown>();
  #unlabelled: S | undefined;
  constructor(
    readonly name: string,
    readonly help: string,
    protected readonly labelNames: readonly L[],
    readonly type: 'counter' | 'gauge' | 'histogram',
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  protected abstract create(labels: Labels<L>): S;

  /**
   * The series for these labels, created on first use. Found through one Map per label, keyed by the label
   * value itself: label values are mostly the same string objects request after request (route, model and
   * tenant names), whose hashes V8 keeps, so no key string is built per observation.
   */
  protected at(labels: Labels<L>): S {
    const names = this.labelNames;
    const last = names.length - 1;
    if (last < 0) return (this.#unlabelled ??= this.#add(labels));
    let level = this.#tree;
    for (let i = 0; i < last; i++) {
      const v = labelValue(labels[names[i]!]);
      let next = level.get(v) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(v, next);
      }
      level = next;
    }
    const v = labelValue(labels[names[last]!]);
    let s = level.get(v) as S | undefined;
    if (s === undefined) {
      s = this.#add(labels);
      level.set(v, s);
    }
    return s;
  }

  #add(labels: Labels<L>): S {
    const copy = {} as Labels<L>;
    for (const n of this.labelNames) copy[n] = labels[n];
    const s = this.create(copy);
    this.series.add(s);
    return s;
  }

  protected abstract values(): MetricValue[];

  /** prom-client's custom-metric protocol */
  get(): { name: string; help: string; type: string; values: MetricValue[]; aggregator: string } {
    return { name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: 'sum' };
  }

  reset(): void {
    this.series.clear();
    this.#tree = new Map();
    this.#unlabelled = undefined;
  }
}

/** a label value as its series key: the string itself (others, e.g. a number passed by a caller, as their text) */
function labelValue(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

interface ScalarSeries<L extends string> {
  labels: Labels<L>;
  value: number;
}

/** A monotonically increasing count per label combination. */
export class FastCounter<L extends string = never> extends FastMetric<L, ScalarSeries<L>> {
  constructor(opts: { name: string; help: string; labelNames?: readonly L[]; registry: Registry }) {
    super(opts.name, opts.help, opts.labelNames ?? [], 'counter', opts.registry);
  }
  protected create(labels: Labels<L>): ScalarSeries<L> {
    return { labels, value: 0 };
  }
  inc(labels: Labels<L> = {} as Labels<L>, by = 1): void {
    this.at(labels).value += by;
  }
  protected values(): MetricValue[] {
    return [...this.series].map((s) => ({ labels: s.labels, value: s.value }));
  }
}

/** A value that goes up and down per label combination. */
export class FastGauge<L extends string = never> extends FastMetric<L, ScalarSeries<L>> {
  constructor(opts: { name: string; help: string; labelNames?: readonly L[]; registry: Registry }) {
    super(opts.name, opts.help, opts.labelNames ?? [], 'gauge', opts.registry);
  }
  protected create(labels: Labels<L>): ScalarSeries<L> {
    return { labels, value: 0 };
  }
  set(labels: Labels<L>, value: number): void {
    this.at(labels).value = value;
  }
  inc(labels: Labels<L> = {} as Labels<L>, by = 1): void {
    this.at(labels).value += by;
  }
  dec(labels: Labels<L> = {} as Labels<L>, by = 1): void {
    this.at(labels).value -= by;
  }
  protected values(): MetricValue[] {
    return [...this.series].map((s) => ({ labels: s.labels, value: s.value }));
  }
}

interface HistogramSeries<L extends string> {
  labels: Labels<L>;
  counts: Float64Array;
  sum: number;
  count: number;
}

/** Cumulative-bucket histogram per label combination (Prometheus `_bucket`, `_sum`, `_count`). */
export class FastHistogram<L extends string = never> extends FastMetric<L, HistogramSeries<L>> {
  readonly #buckets: readonly number[];
  constructor(opts: { name: string; help: string; labelNames?: readonly L[]; buckets: readonly number[]; registry: Registry }) {
    super(opts.name, opts.help, opts.labelNames ?? [], 'histogram', opts.registry);
    this.#buckets = [...opts.buckets].sort((a, b) => a - b);
  }
  protected create(labels: Labels<L>): HistogramSeries<L> {
    return { labels, counts: new Float64Array(this.#buckets.length), sum: 0, count: 0 };
  }
  observe(labels: Labels<L>, value: number): void {
    if (!Number.isFinite(value)) return;
    const s = this.at(labels);
    const b = this.#buckets;
    for (let i = 0; i < b.length; i++) {
      if (value <= b[i]!) {
        s.counts[i]!++;
        break;
      }
    }
    s.sum += value;
    s.count++;
  }
  protected values(): MetricValue[] {
    const out: MetricValue[] = [];
    for (const s of this.series) {
      let cumulative = 0;
      for (let i = 0; i < this.#buckets.length; i++) {
        cumulative += s.counts[i]!;
        out.push({ labels: { ...s.labels, le: this.#buckets[i]! }, value: cumulative, metricName: `${this.name}_bucket` });
      }
      out.push({ labels: { ...s.labels, le: '+Inf' }, value: s.count, metricName: `${this.name}_bucket` });
      out.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      out.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return out;
  }
}
