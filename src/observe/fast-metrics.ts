import type { Registry } from 'prom-client';

/*
 * Hot-path metric types. prom-client validates and hashes a label object on every observation (~3 µs each);
 * a request makes several, which measured ~25 µs per request in the gateway benchmark. These keep one series
 * object per label combination, found by a key joined from the label values in declared order, and register
 * with a prom-client Registry as custom metrics, so /metrics renders them next to prom-client's own.
 */

type Labels<L extends string> = Record<L, string>;

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

abstract class FastMetric<L extends string, S> {
  protected readonly series = new Map<string, S>();
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

  /** the series for these labels, created on first use */
  protected at(labels: Labels<L>): S {
    let key = '';
    for (const n of this.labelNames) key += labels[n] + '\u0001';
    let s = this.series.get(key);
    if (s === undefined) {
      const copy = {} as Labels<L>;
      for (const n of this.labelNames) copy[n] = labels[n];
      s = this.create(copy);
      this.series.set(key, s);
    }
    return s;
  }

  protected abstract values(): MetricValue[];

  /** prom-client's custom-metric protocol */
  get(): { name: string; help: string; type: string; values: MetricValue[]; aggregator: string } {
    return { name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: 'sum' };
  }

  reset(): void {
    this.series.clear();
  }
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
    return [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value }));
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
    return [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value }));
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
    for (const s of this.series.values()) {
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
