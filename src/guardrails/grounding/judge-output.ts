/**
 * Parsing of an LLM judge's verdicts. Models wrap JSON in prose or code fences, leave trailing commas, use
 * single or curly quotes, or write verdicts in their own words; this reads all of those and gives up (returns
 * undefined) only when no verdict can be recovered.
 */

export interface JudgeVerdicts {
  /** claim id (1-based) → support score in [0, 1] */
  claims: Map<number, number>;
  /** the judge's relevance score, when it gave a valid one */
  relevance: number | undefined;
}

/** Support score for a verdict word, or undefined when the word is not a verdict. */
export function verdictScore(verdict: string): number | undefined {
  const v = verdict.trim().toLowerCase().replace(/[_-]+/g, ' ');
  if (/^(?:un ?supported|not supported|no|false|contradict(?:ed|s)?|ungrounded|not grounded|refuted|hallucinat\w*)$/.test(v)) return 0;
  if (/^(?:partial(?:ly)?(?: supported)?|partly(?: supported)?|mixed|some(?:what)?(?: supported)?)$/.test(v)) return 0.5;
  if (/^(?:supported|fully supported|yes|true|grounded|entailed|correct)$/.test(v)) return 1;
  return undefined;
}

/** The first balanced {...} or [...] block of text, skipping braces inside strings. */
function firstJsonBlock(text: string): string | undefined {
  const start = text.search(/[{[]/);
  if (start < 0) return undefined;
  const open = text[start]!;
  const close = open === '{' ? '}' : ']';
  let depth = 0;
  let inString: string | undefined;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (inString !== undefined) {
      if (c === '\\') i++;
      else if (c === inString) inString = undefined;
      continue;
    }
    if (c === '"') inString = c;
    else if (c === open) depth++;
    else if (c === close && --depth === 0) return text.slice(start, i + 1);
  }
  return text.slice(start);
}

function tryParse(block: string): unknown {
  const attempts = [
    block,
    block.replace(/,\s*([}\]])/g, '$1'),
    block.replace(/[“”]/g, '"').replace(/[‘’]/g, "'").replace(/,\s*([}\]])/g, '$1'),
    block.replace(/'/g, '"').replace(/,\s*([}\]])/g, '$1'),
  ];
  for (const a of attempts) {
    try {
      return JSON.parse(a) as unknown;
    } catch {
      // try the next repair
    }
  }
  return undefined;
}

function unit(x: unknown): number | undefined {
  const n = typeof x === 'string' ? Number(x) : x;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= 1 ? n : undefined;
}

function readClaims(list: unknown, count: number, out: Map<number, number>): void {
  if (!Array.isArray(list)) return;
  list.forEach((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null) return;
    const e = entry as Record<string, unknown>;
    const rawId = e.id ?? e.claim_id ?? e.claimId ?? e.index ?? i + 1;
    const id = typeof rawId === 'string' ? Number.parseInt(rawId, 10) : rawId;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > count) return;
    const verdict = e.verdict ?? e.label ?? e.support ?? e.supported;
    let score = typeof verdict === 'string' ? verdictScore(verdict) : typeof verdict === 'boolean' ? (verdict ? 1 : 0) : undefined;
    score = unit(e.score) ?? score;
    if (score !== undefined) out.set(id, score);
  });
}

/** Reads the judge's answer for `count` claims; undefined when nothing usable is in it. */
export function parseJudgeOutput(text: string, count: number): JudgeVerdicts | undefined {
  const unfenced = text.replace(/```(?:json)?/gi, '');
  const block = firstJsonBlock(unfenced);
  const claims = new Map<number, number>();
  let relevance: number | undefined;
  const parsed = block === undefined ? undefined : tryParse(block);
  if (Array.isArray(parsed)) {
    readClaims(parsed, count, claims);
  } else if (typeof parsed === 'object' && parsed !== null) {
    const p = parsed as Record<string, unknown>;
    readClaims(p.claims ?? p.verdicts ?? p.results, count, claims);
    relevance = unit(p.relevance);
  }
  if (claims.size === 0) {
    // Last resort: "1: supported", "claim 2 - unsupported", '"id": 3, "verdict": "partial"'.
    const line = /(?:claim\s*|"?id"?\s*:\s*)?(\d{1,3})\s*["']?\s*[:,.)-]\s*(?:"?verdict"?\s*:\s*)?["']?(not supported|unsupported|partially supported|partial(?:ly)?|partly|supported)\b/gi;
    for (const m of unfenced.matchAll(line)) {
      const id = Number(m[1]);
      const score = verdictScore(m[2]!);
      if (id >= 1 && id <= count && score !== undefined) claims.set(id, score);
    }
    const rel = /relevance["']?\s*[:=]\s*([01](?:\.\d+)?)/i.exec(unfenced);
    if (rel) relevance ??= unit(rel[1]);
  }
  if (claims.size === 0 && relevance === undefined) return undefined;
  return { claims, relevance };
}
