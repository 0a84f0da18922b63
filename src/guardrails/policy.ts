import { StrataError } from '../core/index.js';
import { applyBedrockGuardrail, interventionsOf, isGuardedBlock, type GuardrailTextBlock } from './bedrock/adapter.js';
import type {
  AssessedPiiAction,
  GuardrailIntervention,
  ContentFilterAssessment,
  GroundingFilterAssessment,
  GuardrailAssessment,
  GuardrailResult,
  GuardrailSource,
  PiiAction,
  PiiEntityAssessment,
  RegexAssessment,
  TopicAssessment,
} from './assessment.js';
import { DEFAULT_ATTACK_THRESHOLD, detectInDocuments, detectPromptAttack } from './attacks/index.js';
import { DEFAULT_GROUNDING_THRESHOLD, DEFAULT_RELEVANCE_THRESHOLD, scoreGrounding, scoreGroundingWithJudge, type GroundingResult } from './grounding/index.js';
import { PII_ENTITY_TYPES, PiiDetector, PiiStreamRedactor, PseudonymTable, compileCustomEntities, isPiiEntityType, redactPii, type PiiEntityType, type PiiFinding } from './pii/index.js';
import type { GuardrailPolicyConfig } from '../config/guardrails-schema.js';
import { TopicDetector } from './topics/index.js';
import type { EmbedFunction, JudgeChatFunction } from './types.js';
import { WordFilter } from './words/index.js';

/** What a policy's compile step may use: the embedder for topics and grounding, a judge model for grounding. */
export interface PolicyDeps {
  embed?: EmbedFunction;
  /** set when `grounding.judge` names a model: sends judge prompts to it */
  judge?: JudgeChatFunction;
}

export interface ApplyOptions {
  /** numbered pseudonyms shared by the input and output of one request */
  pseudonyms?: PseudonymTable;
  signal?: AbortSignal;
}

type Sides<A> = { input: A; output: A };

/** Which retrieved passages to keep, and what the screening found (see GuardrailPolicy.screenDocuments). */
export interface DocumentScreening {
  /** false = the passage carries an indirect prompt injection and the policy blocks such passages */
  keep: boolean[];
  /** one PROMPT_ATTACK filter per flagged passage */
  filters: ContentFilterAssessment[];
  interventions: GuardrailIntervention[];
}

/** Bedrock's confidence buckets for a prompt-attack score. */
function confidenceOf(score: number): ContentFilterAssessment['confidence'] {
  return score >= 0.8 ? 'HIGH' : score >= 0.6 ? 'MEDIUM' : score >= 0.3 ? 'LOW' : 'NONE';
}

const pastTense = (a: PiiAction): AssessedPiiAction => (a === 'BLOCK' ? 'BLOCKED' : a === 'ANONYMIZE' ? 'ANONYMIZED' : 'NONE');
const sideOf = (source: GuardrailSource): 'input' | 'output' => (source === 'INPUT' ? 'input' : 'output');

/**
 * A named guardrail policy, compiled once from strata.yaml: applies its checks to text on the input side
 * (before the model) or the output side (after it) and answers in ApplyGuardrail's shape. Blocking wins over
 * masking: if any check blocks, the result carries the policy's blocked message and no redacted text.
 */
export class GuardrailPolicy {
  readonly name: string;
  readonly config: GuardrailPolicyConfig;
  readonly #pii: PiiDetector | undefined;
  readonly #piiActions: Map<string, Sides<PiiAction>>;
  readonly #customRegex: Map<string, string>;
  readonly #topics: TopicDetector | undefined;
  readonly #words: WordFilter | undefined;
  /** the output side's masked and blocked PII types, for streamed answers */
  readonly #streamPii: PiiDetector | undefined;
  readonly #deps: PolicyDeps;

  private constructor(
    name: string,
    config: GuardrailPolicyConfig,
    parts: { pii?: PiiDetector; streamPii?: PiiDetector; piiActions: Map<string, Sides<PiiAction>>; customRegex: Map<string, string>; topics?: TopicDetector; words?: WordFilter },
    deps: PolicyDeps,
  ) {
    this.name = name;
    this.config = config;
    this.#pii = parts.pii;
    this.#piiActions = parts.piiActions;
    this.#customRegex = parts.customRegex;
    this.#topics = parts.topics;
    this.#words = parts.words;
    this.#streamPii = parts.streamPii;
    this.#deps = deps;
  }

  /** Compiles a policy; throws config_invalid naming the policy and field for bad entity types, regexes or topics. */
  static async compile(name: string, config: GuardrailPolicyConfig, deps: PolicyDeps = {}): Promise<GuardrailPolicy> {
    const where = `guardrails.${name}`;
    const piiActions = new Map<string, Sides<PiiAction>>();
    const customRegex = new Map<string, string>();
    let pii: PiiDetector | undefined;
    let streamPii: PiiDetector | undefined;
    if (config.pii) {
      if (config.pii.all) for (const t of PII_ENTITY_TYPES) piiActions.set(t, { input: config.pii.all.input, output: config.pii.all.output });
      config.pii.entities.forEach((e, i) => {
        if (!isPiiEntityType(e.type)) {
          throw new StrataError('config_invalid', `${where}.pii.entities.${i}.type: unknown PII type '${e.type}'; use one of ${PII_ENTITY_TYPES.join(', ')}.`);
        }
        piiActions.set(e.type, { input: e.input, output: e.output });
      });
      for (const c of config.pii.custom) {
        if (piiActions.has(c.name)) throw new StrataError('config_invalid', `${where}.pii.custom: '${c.name}' is already a PII type or another custom entity; pick another name.`);
        piiActions.set(c.name, { input: c.input, output: c.output });
        customRegex.set(c.name, c.pattern);
      }
      let custom;
      try {
        custom = compileCustomEntities(config.pii.custom.map((c) => ({ name: c.name, pattern: c.pattern, flags: c.flags })));
      } catch (e) {
        throw new StrataError('config_invalid', `${where}.pii.custom: ${(e as Error).message}`, { cause: e });
      }
      const types: PiiEntityType[] = [...piiActions.keys()].filter(isPiiEntityType);
      if (types.length > 0 || custom.length > 0) pii = new PiiDetector({ types, threshold: config.pii.threshold, custom });
      // A BLOCK type is masked in a stream as well: if the block verdict comes a sentence later, nothing leaked.
      const hidden = (t: string): boolean => piiActions.get(t)?.output !== 'NONE';
      const streamTypes = types.filter(hidden);
      const streamCustom = custom.filter((c) => hidden(c.name));
      if (streamTypes.length > 0 || streamCustom.length > 0) streamPii = new PiiDetector({ types: streamTypes, threshold: config.pii.threshold, custom: streamCustom });
    }
    let topics: TopicDetector | undefined;
    if (config.topics) {
      try {
        topics = await TopicDetector.create({ topics: config.topics.topics, mode: config.topics.mode, threshold: config.topics.threshold, embed: deps.embed });
      } catch (e) {
        throw new StrataError('config_invalid', `${where}.topics: ${(e as Error).message}`, { cause: e });
      }
    }
    const words = config.words && (config.words.words.length > 0 || config.words.managedProfanity) ? WordFilter.create({ words: config.words.words, managedProfanity: config.words.managedProfanity }) : undefined;
    if (config.grounding?.judge !== undefined && deps.judge === undefined) {
      throw new StrataError('config_invalid', `${where}.grounding.judge: no judge model is available for '${config.grounding.judge}'.`);
    }
    return new GuardrailPolicy(name, config, { pii, streamPii, piiActions, customRegex, topics, words }, deps);
  }

  /** True when the policy checks this side at all (so callers can skip the work). */
  checks(source: GuardrailSource): boolean {
    const side = sideOf(source);
    const c = this.config;
    return (
      c.bedrock !== undefined ||
      // NONE still detects and records, so a configured check always runs
      this.#pii !== undefined ||
      this.#topics !== undefined ||
      this.#words !== undefined ||
      (side === 'input' && c.promptAttacks !== undefined) ||
      (side === 'output' && c.grounding !== undefined)
    );
  }

  /** The message a blocked request (input) or answer (output) gets. */
  blockedMessage(source: GuardrailSource): string {
    return source === 'INPUT' ? this.config.blockedInputMessage : this.config.blockedOutputMessage;
  }

  /**
   * A redactor for a streamed answer: masks the output side's ANONYMIZE (and BLOCK) PII types across chunk
   * boundaries, numbering pseudonyms from the request's table. Undefined when the output side masks nothing.
   */
  outputStreamRedactor(pseudonyms?: PseudonymTable): PiiStreamRedactor | undefined {
    if (this.#streamPii === undefined) return undefined;
    return new PiiStreamRedactor(this.#streamPii, { mode: this.config.pii?.pseudonyms ? 'pseudonym' : 'tag', pseudonyms });
  }

  /** True when a blocking grounding check needs the whole answer before any of it may be sent. */
  groundingBlocks(): boolean {
    return this.config.grounding !== undefined && this.config.grounding.action === 'BLOCK';
  }

  /**
   * Screens retrieved passages for indirect prompt injection (`promptAttacks.documents`): with BLOCK a flagged
   * passage is marked to be left out of the prompt, with NONE it is kept and recorded.
   */
  screenDocuments(passages: readonly string[]): DocumentScreening {
    const cfg = this.config.promptAttacks;
    if (!cfg || passages.length === 0) return { keep: passages.map(() => true), filters: [], interventions: [] };
    const results = detectInDocuments(passages, { threshold: cfg.threshold ?? DEFAULT_ATTACK_THRESHOLD });
    const block = cfg.documents === 'BLOCK';
    const filters: ContentFilterAssessment[] = [];
    const keep = results.map((r) => {
      if (!r.detected) return true;
      filters.push({ type: 'PROMPT_ATTACK', confidence: confidenceOf(r.score), action: block ? 'BLOCKED' : 'NONE', detected: true, score: r.score, ...(r.category ? { category: r.category } : {}) });
      return !block;
    });
    return { keep, filters, interventions: filters.length > 0 ? interventionsOf([{ contentPolicy: { filters } }]) : [] };
  }

  /**
   * Applies the policy to text blocks, ApplyGuardrail-style: blocks without qualifiers (or with guard_content)
   * are checked; `grounding_source` and `query` blocks feed the grounding check on OUTPUT.
   */
  async apply(source: GuardrailSource, blocks: GuardrailTextBlock[], opts: ApplyOptions = {}): Promise<GuardrailResult> {
    const started = performance.now();
    const side = sideOf(source);
    const guarded = blocks.filter(isGuardedBlock);
    let texts = guarded.map((b) => b.text);
    const assessments: GuardrailAssessment[] = [];
    let blocked = false;
    let bedrockBlockedText: string | undefined;

    if (this.config.bedrock) {
      const managed = await applyBedrockGuardrail(this.config.bedrock, source, blocks, opts.signal);
      assessments.push(...managed.assessments);
      if (managed.blocked) {
        blocked = true;
        bedrockBlockedText = managed.outputs[0]?.text;
      } else if (managed.action === 'GUARDRAIL_INTERVENED' && managed.outputs.length === texts.length) {
        texts = managed.outputs.map((o) => o.text);
      }
    }

    const local: GuardrailAssessment = {};
    let anonymized = false;
    if (!blocked) {
      blocked = this.#checkAttacks(side, texts, local);
      blocked = (await this.#checkTopics(side, texts, local)) || blocked;
      blocked = this.#checkWords(side, texts, local) || blocked;
      const pii = this.#checkPii(side, texts, local, opts.pseudonyms);
      blocked = pii.blocked || blocked;
      anonymized = pii.anonymized;
      // grounding judges what the model said, so it reads the answer before masking ({NAME} is in no source)
      if (side === 'output' && this.config.grounding) blocked = (await this.#checkGrounding(blocks, texts, local)) || blocked;
      texts = pii.texts;
    }
    const total = guarded.reduce((n, b) => n + b.text.length, 0);
    local.invocationMetrics = { guardrailProcessingLatency: Math.round(performance.now() - started), guardrailCoverage: { textCharacters: { guarded: total, total: blocks.reduce((n, b) => n + b.text.length, 0) } } };
    assessments.push(local);

    const interventions = interventionsOf(assessments);
    const intervened = blocked || anonymized || interventions.some((i) => i.action !== 'DETECTED');
    const message = side === 'input' ? this.config.blockedInputMessage : this.config.blockedOutputMessage;
    if (blocked) {
      const text = bedrockBlockedText ?? message;
      return { action: 'GUARDRAIL_INTERVENED', outputs: [{ text }], assessments, interventions, blockedMessage: text };
    }
    return { action: intervened ? 'GUARDRAIL_INTERVENED' : 'NONE', outputs: intervened ? texts.map((text) => ({ text })) : [], assessments, interventions };
  }

  #checkAttacks(side: 'input' | 'output', texts: string[], out: GuardrailAssessment): boolean {
    const cfg = this.config.promptAttacks;
    if (!cfg || side !== 'input') return false;
    const threshold = cfg.threshold ?? DEFAULT_ATTACK_THRESHOLD;
    let best = { score: 0, category: undefined as string | undefined, detected: false };
    for (const t of texts) {
      const r = detectPromptAttack(t, { source: 'user', threshold });
      if (r.score > best.score) best = { score: r.score, category: r.category, detected: r.detected };
    }
    const block = best.detected && cfg.input === 'BLOCK';
    out.contentPolicy = {
      filters: [{ type: 'PROMPT_ATTACK', confidence: confidenceOf(best.score), action: block ? 'BLOCKED' : 'NONE', detected: best.detected, score: best.score, ...(best.category ? { category: best.category } : {}) }],
    };
    return block;
  }

  async #checkTopics(side: 'input' | 'output', texts: string[], out: GuardrailAssessment): Promise<boolean> {
    const cfg = this.config.topics;
    if (!cfg || !this.#topics) return false;
    const action = cfg[side];
    const found = new Map<string, TopicAssessment>();
    let outOfScope = false;
    for (const t of texts) {
      const r = await this.#topics.check(t);
      if (cfg.mode === 'allow') {
        if (r.blocked) outOfScope = true;
        continue;
      }
      for (const m of r.matched) {
        const prev = found.get(m.name);
        if (!prev || (prev.score ?? 0) < m.score) found.set(m.name, { name: m.name, type: 'DENY', action: action === 'BLOCK' ? 'BLOCKED' : 'NONE', detected: true, score: m.score });
      }
    }
    // Bedrock has no allow-list mode: an input outside every allowed topic is reported as the pseudo-topic below
    if (outOfScope) found.set('OUT_OF_SCOPE', { name: 'OUT_OF_SCOPE', type: 'DENY', action: action === 'BLOCK' ? 'BLOCKED' : 'NONE', detected: true });
    if (found.size > 0) out.topicPolicy = { topics: [...found.values()] };
    return action === 'BLOCK' && found.size > 0;
  }

  #checkWords(side: 'input' | 'output', texts: string[], out: GuardrailAssessment): boolean {
    const cfg = this.config.words;
    if (!cfg || !this.#words) return false;
    const action = cfg[side] === 'BLOCK' ? 'BLOCKED' : 'NONE';
    const customWords: { match: string; action: 'BLOCKED' | 'NONE'; detected: boolean }[] = [];
    const managedWordLists: { match: string; type: 'PROFANITY'; action: 'BLOCKED' | 'NONE'; detected: boolean }[] = [];
    for (const t of texts) {
      for (const m of this.#words.find(t)) {
        if (m.type === 'PROFANITY') managedWordLists.push({ match: m.match, type: 'PROFANITY', action, detected: true });
        else customWords.push({ match: m.match, action, detected: true });
      }
    }
    if (customWords.length + managedWordLists.length === 0) return false;
    out.wordPolicy = { customWords, managedWordLists };
    return action === 'BLOCKED';
  }

  #checkPii(side: 'input' | 'output', texts: string[], out: GuardrailAssessment, pseudonyms: PseudonymTable | undefined): { blocked: boolean; anonymized: boolean; texts: string[] } {
    if (!this.#pii) return { blocked: false, anonymized: false, texts };
    const piiEntities: PiiEntityAssessment[] = [];
    const regexes: RegexAssessment[] = [];
    let blocked = false;
    let anonymized = false;
    const mode = this.config.pii?.pseudonyms ? 'pseudonym' : 'tag';
    const table = mode === 'pseudonym' ? (pseudonyms ?? new PseudonymTable()) : undefined;
    const redacted = texts.map((text) => {
      const findings = this.#pii!.detect(text);
      const toMask: PiiFinding[] = [];
      for (const f of findings) {
        const action = this.#piiActions.get(f.type)?.[side] ?? 'NONE';
        const assessed = pastTense(action);
        const match = text.slice(f.start, f.end);
        if (this.#customRegex.has(f.type)) regexes.push({ name: f.type, regex: this.#customRegex.get(f.type), action: assessed, detected: true, match });
        else piiEntities.push({ type: f.type, action: assessed, detected: true, match });
        if (action === 'BLOCK') blocked = true;
        if (action === 'ANONYMIZE') toMask.push(f);
      }
      if (toMask.length === 0) return text;
      anonymized = true;
      return redactPii(text, toMask, { mode, pseudonyms: table });
    });
    if (piiEntities.length + regexes.length > 0) out.sensitiveInformationPolicy = { piiEntities, regexes };
    return { blocked, anonymized, texts: redacted };
  }

  /**
   * Only the output side's grounding check, for an answer whose other checks already ran (a stream checked
   * sentence by sentence): the same assessment and interventions apply() would give for grounding.
   */
  async checkGrounding(blocks: GuardrailTextBlock[], answer: string): Promise<GuardrailResult> {
    const assessment: GuardrailAssessment = {};
    const blocked = this.config.grounding !== undefined && (await this.#checkGrounding(blocks, [answer], assessment));
    const interventions = interventionsOf([assessment]);
    const message = this.config.blockedOutputMessage;
    if (blocked) return { action: 'GUARDRAIL_INTERVENED', outputs: [{ text: message }], assessments: [assessment], interventions, blockedMessage: message };
    return { action: interventions.some((i) => i.action !== 'DETECTED') ? 'GUARDRAIL_INTERVENED' : 'NONE', outputs: [], assessments: [assessment], interventions };
  }

  async #checkGrounding(blocks: GuardrailTextBlock[], answers: string[], out: GuardrailAssessment): Promise<boolean> {
    const cfg = this.config.grounding!;
    const sources = blocks.filter((b) => b.qualifiers?.includes('grounding_source')).map((b) => b.text);
    const question = blocks.find((b) => b.qualifiers?.includes('query'))?.text;
    // like Bedrock: without sources and a query there is nothing to ground against, so the check does not run
    if (sources.length === 0 || question === undefined) return false;
    const input = { sources, question, answer: answers.join('\n') };
    const result: GroundingResult = this.#deps.judge ? await scoreGroundingWithJudge(this.#deps.judge, input, { embed: this.#deps.embed }) : await scoreGrounding(input, { embed: this.#deps.embed });
    const filters: GroundingFilterAssessment[] = [];
    let blocked = false;
    const add = (type: 'GROUNDING' | 'RELEVANCE', threshold: number, score: number): void => {
      const below = score < threshold;
      const act = below && cfg.action === 'BLOCK';
      blocked ||= act;
      filters.push({ type, threshold, score: Math.round(score * 1e4) / 1e4, action: act ? 'BLOCKED' : 'NONE', detected: below });
    };
    add('GROUNDING', cfg.grounding ?? DEFAULT_GROUNDING_THRESHOLD, result.grounding);
    add('RELEVANCE', cfg.relevance ?? DEFAULT_RELEVANCE_THRESHOLD, result.relevance);
    out.contextualGroundingPolicy = { filters };
    return blocked;
  }
}
