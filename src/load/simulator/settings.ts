import { z } from 'zod';
import { StrataError } from '../../core/index.js';
import { isPiiEntityType } from '../../guardrails/index.js';

/** Upstream error types the simulator can inject; the same names serve both wire protocols. */
export const ERROR_TYPES = [
  'ThrottlingException',
  'ServiceUnavailableException',
  'ModelNotReadyException',
  'ModelTimeoutException',
  'ModelErrorException',
  'InternalServerException',
  'ValidationException',
  'AccessDeniedException',
  'ResourceNotFoundException',
  'ServiceQuotaExceededException',
  'MidStreamException',
  'Hang',
  'ConnectionReset',
] as const;

export type SimulatedErrorType = (typeof ERROR_TYPES)[number];

const ERROR_TYPE_SET: ReadonlySet<string> = new Set(ERROR_TYPES);

export function isSimulatedErrorType(s: string): s is SimulatedErrorType {
  return ERROR_TYPE_SET.has(s);
}

export interface SimulatorSettings {
  /** mean added latency before answering */
  latencyMs: number;
  /** spread around latencyMs */
  jitterMs: number;
  /** fixed = uniform ±jitter, normal = gaussian σ=jitter, longtail = lognormal with median latencyMs */
  latencyDistribution: 'fixed' | 'normal' | 'longtail';
  /** requests per minute per model id */
  rpm?: number;
  /** tokens (input + output) per minute per model id */
  tpm?: number;
  /** error type → probability in [0,1] */
  fail: Record<string, number>;
  /** error type → count of next matching requests that fail with that type */
  failNext: Record<string, number>;
  /** when set, fail / failNext apply only to these model ids */
  onlyModels?: string[];
  answer: { mode: 'echo' } | { mode: 'canned'; text: string };
  streamChunkTokens: number;
  streamChunkDelayMs: number;
  /** when set, Rerank answers at most this many results per page and returns a nextToken for the rest */
  rerankPageSize?: number;
  /** managed guardrails ApplyGuardrail knows, by identifier (none by default: every id is unknown) */
  guardrails?: Record<string, SimulatedGuardrail>;
}

/** A managed guardrail of the simulator: blocked words and PII types, deterministic and local. */
export interface SimulatedGuardrail {
  /** the version it answers to (a number or DRAFT) */
  version: string;
  /** words and phrases that block (case-insensitive, on word boundaries) */
  blockedWords: string[];
  /** Bedrock PII entity types it detects */
  piiTypes: string[];
  /** what it does with PII it finds */
  piiAction: 'ANONYMIZE' | 'BLOCK';
  blockedInputMessage: string;
  blockedOutputMessage: string;
}

export function defaultSettings(): SimulatorSettings {
  return {
    latencyMs: 0,
    jitterMs: 0,
    latencyDistribution: 'fixed',
    fail: {},
    failNext: {},
    answer: { mode: 'echo' },
    streamChunkTokens: 4,
    streamChunkDelayMs: 0,
  };
}

/** A map keyed by error type; unknown keys are reported by name (zod's own record-key message is vague). */
function errorTypeMap<T extends z.ZodType<number>>(value: T) {
  return z.record(z.string(), value).superRefine((rec, ctx) => {
    for (const key of Object.keys(rec)) {
      if (!isSimulatedErrorType(key)) {
        ctx.addIssue({ code: 'custom', path: [key], message: `unknown error type; expected one of ${ERROR_TYPES.join(', ')}` });
      }
    }
  });
}

const simulatedGuardrailSchema = z
  .object({
    version: z.string().regex(/^(DRAFT|[0-9]{1,8})$/, { error: 'a version number or DRAFT' }).default('DRAFT'),
    blockedWords: z.array(z.string().min(1).max(100)).max(1000).default([]),
    piiTypes: z
      .array(z.string())
      .default([])
      .superRefine((types, ctx) => {
        for (const t of types) if (!isPiiEntityType(t)) ctx.addIssue({ code: 'custom', message: `unknown PII type '${t}'` });
      }),
    piiAction: z.enum(['ANONYMIZE', 'BLOCK']).default('ANONYMIZE'),
    blockedInputMessage: z.string().min(1).default('Sorry, the model cannot answer this question.'),
    blockedOutputMessage: z.string().min(1).default('Sorry, the model cannot answer this question.'),
  })
  .strict();

/** Schema of a settings patch (POST /_control, startSimulator, CLI). `null` clears an optional field. */
export const settingsPatchSchema = z
  .object({
    latencyMs: z.number().min(0).max(600_000),
    jitterMs: z.number().min(0).max(600_000),
    latencyDistribution: z.enum(['fixed', 'normal', 'longtail']),
    rpm: z.number().int().positive().nullable(),
    tpm: z.number().int().positive().nullable(),
    fail: errorTypeMap(z.number().min(0).max(1)),
    failNext: errorTypeMap(z.number().int().min(0)),
    onlyModels: z.array(z.string().min(1)).nullable(),
    answer: z.discriminatedUnion('mode', [
      z.object({ mode: z.literal('echo') }).strict(),
      z.object({ mode: z.literal('canned'), text: z.string() }).strict(),
    ]),
    streamChunkTokens: z.number().int().min(1).max(10_000),
    streamChunkDelayMs: z.number().min(0).max(600_000),
    rerankPageSize: z.number().int().min(1).max(1000).nullable(),
    guardrails: z.record(z.string().regex(/^[a-z0-9]{1,64}$/, { error: 'guardrail ids are 1-64 lower-case letters and digits' }), simulatedGuardrailSchema).nullable(),
  })
  .partial()
  .strict();

/** A patch as given (fields with defaults, such as a guardrail's, may be left out). */
export type SettingsPatch = z.input<typeof settingsPatchSchema>;
type ParsedPatch = z.output<typeof settingsPatchSchema>;

/** Validates a patch; throws StrataError('invalid_request') naming the first bad field. */
export function parseSettingsPatch(input: unknown): ParsedPatch {
  const r = settingsPatchSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  throw new StrataError('invalid_request', `Invalid simulator settings at ${where}: ${issue?.message ?? 'invalid'}.`);
}

/** Applies a validated patch: given fields replace the current ones, `null` clears rpm/tpm/onlyModels/rerankPageSize/guardrails. */
export function applyPatch(current: SimulatorSettings, patch: ParsedPatch | Partial<SimulatorSettings>): SimulatorSettings {
  const next: SimulatorSettings = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (v === null) {
      delete (next as unknown as Record<string, unknown>)[k];
      continue;
    }
    (next as unknown as Record<string, unknown>)[k] = structuredClone(v);
  }
  return next;
}

/** Parses "ThrottlingException=0.5,ServiceUnavailableException=0.1" into a fail map. */
export function parseFailSpec(s: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const raw of s.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim();
    if (!isSimulatedErrorType(name)) {
      throw new StrataError('invalid_request', `Unknown error type "${name}" in fail spec; expected one of ${ERROR_TYPES.join(', ')}.`);
    }
    const p = eq < 0 ? NaN : Number(part.slice(eq + 1).trim());
    if (!Number.isFinite(p) || p < 0 || p > 1) {
      throw new StrataError('invalid_request', `Fail spec "${part}" needs a probability between 0 and 1, e.g. ${name}=0.5.`);
    }
    out[name] = p;
  }
  return out;
}
