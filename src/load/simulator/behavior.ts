import {
  applyPatch,
  defaultSettings,
  parseSettingsPatch,
  type SimulatedErrorType,
  type SimulatedGuardrail,
  type SimulatorSettings,
} from './settings.js';

export interface ModelCounts {
  requests: number;
  throttled: number;
  failed: number;
  ok: number;
}

/** What the simulator does with one request. */
export type Verdict =
  | { kind: 'ok' }
  | { kind: 'fail'; type: SimulatedErrorType }
  /** over the rpm/tpm quota; retryAfterMs is the time until the window frees */
  | { kind: 'throttle'; retryAfterMs: number; reason: 'rpm' | 'tpm' };

interface QuotaWindow {
  start: number;
  requests: number;
  tokens: number;
}

const WINDOW_MS = 60_000;

/**
 * Settings, per-model counters, quota windows and failure decisions. Shared by both wire protocols,
 * so a request's fate does not depend on how it was spoken.
 */
export class SimulatorBehavior {
  private current: SimulatorSettings;
  private readonly countsByModel = new Map<string, ModelCounts>();
  private readonly windows = new Map<string, QuotaWindow>();
  private readonly cachedPrefixes = new Set<string>();
  private readonly now: () => number;

  constructor(initial: Partial<SimulatorSettings> = {}, now: () => number = Date.now) {
    this.now = now;
    this.current = applyPatch(defaultSettings(), parseSettingsPatch(initial));
  }

  settings(): SimulatorSettings {
    return structuredClone(this.current);
  }

  /** Validates and applies a patch (throws StrataError invalid_request on bad input). */
  update(patch: unknown): void {
    this.current = applyPatch(this.current, parseSettingsPatch(patch));
  }

  counts(): Record<string, ModelCounts> {
    const out: Record<string, ModelCounts> = {};
    for (const [k, v] of this.countsByModel) out[k] = { ...v };
    return out;
  }

  /** Model ids seen so far, in first-seen order. */
  modelIds(): string[] {
    return [...this.countsByModel.keys()];
  }

  reset(): void {
    this.countsByModel.clear();
    this.windows.clear();
    this.cachedPrefixes.clear();
  }

  /** Prompt-cache emulation: true when this prefix key was seen before (a read), else records it (a write). */
  cacheHit(key: string): boolean {
    if (this.cachedPrefixes.has(key)) return true;
    if (this.cachedPrefixes.size >= 10_000) this.cachedPrefixes.clear();
    this.cachedPrefixes.add(key);
    return false;
  }

  /** Records a request rejected before any decision (malformed input). */
  recordRejected(modelId: string): void {
    const c = this.countsFor(modelId);
    c.requests++;
    c.failed++;
  }

  private countsFor(modelId: string): ModelCounts {
    let c = this.countsByModel.get(modelId);
    if (c === undefined) {
      c = { requests: 0, throttled: 0, failed: 0, ok: 0 };
      this.countsByModel.set(modelId, c);
    }
    return c;
  }

  /**
   * Decides the fate of a request and records it. `tokens` is the request's input + output token
   * count, charged against tpm when the request is admitted.
   */
  decide(modelId: string, tokens: number): Verdict {
    const s = this.current;
    const c = this.countsFor(modelId);
    c.requests++;
    const targeted = s.onlyModels === undefined || s.onlyModels.includes(modelId);
    if (targeted) {
      for (const type in s.failNext) {
        const left = s.failNext[type] ?? 0;
        if (left > 0) {
          s.failNext[type] = left - 1;
          return this.failed(c, type as SimulatedErrorType);
        }
      }
    }
    if (s.rpm !== undefined || s.tpm !== undefined) {
      const t = this.now();
      let w = this.windows.get(modelId);
      if (w === undefined || t - w.start >= WINDOW_MS) {
        w = { start: t, requests: 0, tokens: 0 };
        this.windows.set(modelId, w);
      }
      const retryAfterMs = Math.max(1, w.start + WINDOW_MS - t);
      if (s.rpm !== undefined && w.requests >= s.rpm) {
        c.throttled++;
        return { kind: 'throttle', retryAfterMs, reason: 'rpm' };
      }
      // A single request larger than the whole quota is still admitted into an empty window,
      // as token-bucket services do; otherwise it could never succeed.
      if (s.tpm !== undefined && w.tokens > 0 && w.tokens + tokens > s.tpm) {
        c.throttled++;
        return { kind: 'throttle', retryAfterMs, reason: 'tpm' };
      }
      w.requests++;
      w.tokens += tokens;
    }
    if (targeted) {
      let r = Math.random();
      for (const type in s.fail) {
        const p = s.fail[type] ?? 0;
        if (r < p) return this.failed(c, type as SimulatedErrorType);
        r -= p;
      }
    }
    c.ok++;
    return { kind: 'ok' };
  }

  private failed(c: ModelCounts, type: SimulatedErrorType): Verdict {
    if (type === 'ThrottlingException') c.throttled++;
    else c.failed++;
    return { kind: 'fail', type };
  }

  /** Samples the added latency for one request from the configured distribution. */
  sampleLatencyMs(): number {
    const { latencyMs: mean, jitterMs: jitter, latencyDistribution: dist } = this.current;
    if (mean <= 0 && jitter <= 0) return 0;
    let v: number;
    if (dist === 'normal') {
      v = mean + jitter * gaussian();
    } else if (dist === 'longtail') {
      // Lognormal with median `mean`; sigma grows with the relative jitter (0.5 when none is given),
      // which yields the occasional multi-second outlier real endpoints show.
      const sigma = mean > 0 && jitter > 0 ? Math.min(2, jitter / mean) : 0.5;
      v = Math.max(mean, 1) * Math.exp(sigma * gaussian());
    } else {
      v = mean + (Math.random() * 2 - 1) * jitter;
    }
    return Math.max(0, v);
  }

  streamChunkTokens(): number {
    return this.current.streamChunkTokens;
  }

  streamChunkDelayMs(): number {
    return this.current.streamChunkDelayMs;
  }

  /** Rerank results per page, or undefined for one page with everything. */
  rerankPageSize(): number | undefined {
    return this.current.rerankPageSize;
  }

  /** The managed guardrail with this id, as configured (not a copy: callers may cache work keyed by it). */
  guardrail(id: string): SimulatedGuardrail | undefined {
    const g = this.current.guardrails;
    return g !== undefined && Object.hasOwn(g, id) ? g[id] : undefined;
  }

  answer(): SimulatorSettings['answer'] {
    return this.current.answer;
  }
}

function gaussian(): number {
  // Box–Muller; 1 - random() keeps log() away from zero.
  const u = 1 - Math.random();
  const v = Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Resolves after ms, or at once when the signal aborts (never rejects). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
