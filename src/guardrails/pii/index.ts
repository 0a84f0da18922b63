// Public face of PII detection and redaction. Policies, the HTTP endpoint and the CLI import from here only.
export {
  PII_ENTITY_TYPES, DEFAULT_PII_THRESHOLD, isPiiEntityType,
  type PiiEntityType, type PiiFindingType, type PiiFinding, type CustomEntityDefinition,
} from './types.js';
export { PiiDetector, detectPii, type PiiDetectorOptions } from './detector.js';
export { compileCustomEntities, type CompiledCustomEntity } from './custom.js';
export { redactPii, PseudonymTable, normalisePiiValue, type RedactOptions } from './redact.js';
export { PiiStreamRedactor, HOLD as PII_STREAM_HOLD_CHARS, type PiiStreamRedactorOptions } from './stream.js';
export { resolveOverlaps } from './overlap.js';
export { assertSafeRegex } from '../regex-safety.js';
