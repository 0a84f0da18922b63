import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastCounter, FastGauge, FastHistogram } from '../../src/observe/fast-metrics.js';

describe('hot-path metrics in the Prometheus text format', () => {
  it('renders counters, gauges and cumulative histogram buckets through a prom-client registry', async () => {
    const registry = new Registry();
    const c = new FastCounter({ name: 't_requests_total', help: 'requests', labelNames: ['route', 'status'] as const, registry });
    const g = new FastGauge({ name: 't_in_flight', help: 'in flight', registry });
    const h = new FastHistogram({ name: 't_latency_seconds', help: 'latency', labelNames: ['model'] as const, buckets: [0.1, 1, 0.5], registry });
    c.inc({ route: 'support', status: 'ok' });
    c.inc({ route: 'support', status: 'ok' }, 2);
    c.inc({ route: 'a"b', status: 'error' });
    g.inc();
    g.inc();
    g.dec();
    for (const v of [0.05, 0.3, 0.7, 2, Number.NaN]) h.observe({ model: 'haiku' }, v);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE t_requests_total counter');
    expect(text).toContain('t_requests_total{route="support",status="ok"} 3');
    expect(text).toContain('t_requests_total{route="a\\"b",status="error"} 1');
    expect(text).toContain('t_in_flight 1');
    expect(text).toContain('# TYPE t_latency_seconds histogram');
    expect(text).toContain('t_latency_seconds_bucket{model="haiku",le="0.1"} 1');
    expect(text).toContain('t_latency_seconds_bucket{model="haiku",le="0.5"} 2');
    expect(text).toContain('t_latency_seconds_bucket{model="haiku",le="1"} 3');
    expect(text).toContain('t_latency_seconds_bucket{model="haiku",le="+Inf"} 4');
    expect(text).toContain('t_latency_seconds_sum{model="haiku"} 3.05');
    expect(text).toContain('t_latency_seconds_count{model="haiku"} 4');
  });
});
