import { Pool } from 'undici';

export interface LoadResult {
  connections: number;
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
}

/** Closed-loop HTTP load: `connections` workers, each sending its next request when the last one ends. */
export async function runLoad(opts: {
  url: string;
  path: string;
  /** the request body, or a function of the request number (e.g. to defeat a cache) */
  body: string | ((n: number) => string);
  connections: number;
  durationMs?: number;
  requests?: number;
  headers?: Record<string, string>;
}): Promise<LoadResult> {
  const origin = new URL(opts.url).origin;
  const pool = new Pool(origin, { connections: opts.connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const start = performance.now();
  const endAt = opts.durationMs !== undefined ? start + opts.durationMs : Number.POSITIVE_INFINITY;
  const limit = opts.requests ?? Number.POSITIVE_INFINITY;
  const headers = { 'content-type': 'application/json', ...opts.headers };
  const worker = async (): Promise<void> => {
    while (performance.now() < endAt && sent < limit) {
      const n = sent++;
      const body = typeof opts.body === 'string' ? opts.body : opts.body(n);
      const t0 = performance.now();
      try {
        const res = await pool.request({ method: 'POST', path: opts.path, headers, body });
        await res.body.text();
        if (res.statusCode !== 200) errors++;
        else latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, worker));
  const seconds = (performance.now() - start) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const q = (p: number): number => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! : NaN);
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  return {
    connections: opts.connections,
    requests: latencies.length,
    errors,
    seconds: round(seconds),
    rps: Math.round(latencies.length / seconds),
    p50Ms: round(q(0.5)),
    p90Ms: round(q(0.9)),
    p99Ms: round(q(0.99)),
    meanMs: round(latencies.reduce((s, x) => s + x, 0) / Math.max(1, latencies.length)),
  };
}
