// Custom regex entities (Bedrock's "regexes" in a sensitive-information policy), checked by regex-safety.
import { StrataError, type StrataErrorCode } from '../../core/index.js';
import { assertSafeRegex } from '../regex-safety.js';
import { isPiiEntityType, type CustomEntityDefinition, type PiiFinding } from './types.js';

/** A custom entity ready to run: its name, compiled regex and score. */
export interface CompiledCustomEntity {
  readonly name: string;
  readonly regex: RegExp;
  readonly score: number;
}

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/;

/**
 * Validates and compiles custom entities; throws a StrataError naming the entity (and `where` it was configured)
 * for a bad name, a duplicate, a built-in type name, an invalid regex or one prone to catastrophic backtracking.
 */
export function compileCustomEntities(
  defs: readonly CustomEntityDefinition[],
  where = 'pii.custom',
  code: StrataErrorCode = 'config_invalid',
): CompiledCustomEntity[] {
  const seen = new Set<string>();
  return defs.map((d, i) => {
    const at = `${where}[${i}]`;
    if (typeof d?.name !== 'string' || !NAME.test(d.name)) {
      throw new StrataError(code, `${at}: a custom entity needs a name of letters, digits, _ or - (got ${JSON.stringify(d?.name)}).`);
    }
    if (isPiiEntityType(d.name)) {
      throw new StrataError(code, `${at}: "${d.name}" is a built-in entity type; give the custom entity another name.`);
    }
    if (seen.has(d.name)) throw new StrataError(code, `${at}: the custom entity name "${d.name}" is used twice.`);
    seen.add(d.name);
    const score = d.score ?? 0.9;
    if (!(score >= 0 && score <= 1)) throw new StrataError(code, `${at}: score must be between 0 and 1 (got ${d.score}).`);
    const regex = assertSafeRegex(d.pattern, d.flags ?? '', `${at} (${d.name})`, code);
    return { name: d.name, regex, score };
  });
}

/** Runs compiled custom entities over `text`. */
export function scanCustom(entities: readonly CompiledCustomEntity[], text: string, threshold: number, out: PiiFinding[]): void {
  for (const e of entities) {
    if (e.score < threshold) continue;
    const re = e.regex;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      out.push({ type: e.name, start: m.index, end: m.index + m[0].length, score: e.score });
    }
  }
}
