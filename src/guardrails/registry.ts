import { StrataError } from '../core/index.js';
import { defaultGuardrailPolicy, type GuardrailPolicyConfig } from '../config/guardrails-schema.js';
import { GuardrailPolicy, type PolicyDeps } from './policy.js';

/**
 * Every guardrail policy of a config, compiled once at start-up (so a bad regex or topic stops start-up with
 * the policy's name), plus the built-in `default` unless the config defines its own.
 */
export class GuardrailRegistry {
  readonly #policies: Map<string, GuardrailPolicy>;

  private constructor(policies: Map<string, GuardrailPolicy>) {
    this.#policies = policies;
  }

  /** Compiles the configured policies; `judgeFor(model)` supplies the chat function of a grounding judge. */
  static async create(configs: Record<string, GuardrailPolicyConfig>, deps: { embed?: PolicyDeps['embed']; judgeFor?: (model: string) => PolicyDeps['judge'] } = {}): Promise<GuardrailRegistry> {
    const all: Record<string, GuardrailPolicyConfig> = { default: defaultGuardrailPolicy(), ...configs };
    const policies = new Map<string, GuardrailPolicy>();
    for (const [name, config] of Object.entries(all)) {
      const judge = config.grounding?.judge !== undefined ? deps.judgeFor?.(config.grounding.judge) : undefined;
      policies.set(name, await GuardrailPolicy.compile(name, config, { embed: deps.embed, judge }));
    }
    return new GuardrailRegistry(policies);
  }

  /** The policy, or not_found naming the policies there are. */
  get(name: string): GuardrailPolicy {
    const p = this.#policies.get(name);
    if (p === undefined) throw new StrataError('not_found', `No guardrail policy '${name}'; known: ${this.names().join(', ')}. Define it under 'guardrails:' in strata.yaml.`);
    return p;
  }

  names(): string[] {
    return [...this.#policies.keys()].sort();
  }
}
