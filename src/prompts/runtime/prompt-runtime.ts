import { StrataError } from '../../core/index.js';
import type { Logger } from '../../observe/index.js';
import { promptContentHash } from '../content-hash.js';
import { validatePromptContent } from '../file.js';
import { parsePromptRef } from '../refs.js';
import { renderPrompt } from '../template.js';
import type { PromptContent, PromptRef, PromptVersion, RenderedPrompt } from '../types.js';
import type { ExperimentStore } from '../experiments/index.js';
import { InProcessChangeBus, type PromptBusEvent, type PromptChange, type PromptChangeBus } from './change-bus.js';
import { ResolvedPromptCache, type PromptCacheKey, type ResolvedPromptCacheOptions } from './resolved-cache.js';

/** Where resolutions come from: the registry (PromptRegistry satisfies this), or a stand-in in tests. */
export interface PromptSource {
  get(tenant: string, name: string, ref?: PromptRef): Promise<PromptVersion>;
}

export interface PromptRuntimeOptions {
  source: PromptSource;
  /** carries label changes between replicas (default: in-process only); the runtime closes it */
  bus?: PromptChangeBus;
  cache?: ResolvedPromptCacheOptions;
  /** the tenant of library calls that name none (default 'default') */
  defaultTenant?: string;
  logger?: Logger;
  /** running experiments pick the version of label-resolved prompts */
  experiments?: ExperimentStore;
}

export interface GetPromptOptions {
  /** a label (default `latest` when no version is given) */
  label?: string;
  version?: number;
  tenant?: string;
  /**
   * content bundled with the application, used when the registry cannot be reached (and nothing
   * cached may still be served); a registry that answers "no such prompt or label" is not bypassed
   */
  fallback?: PromptContent;
}

/** The version number a fallback resolution carries: no registry version is ever 0. */
export const FALLBACK_VERSION = 0;

/** Whether a registry failure means "cannot ask" (fallback applies) rather than "asked, and the answer is no". */
function isUnreachable(e: unknown): boolean {
  return !(e instanceof StrataError) || e.status >= 500;
}

/**
 * Resolves prompts at run time for the server, the CLI and library users: through the cache,
 * kept current by the change bus, with the application's bundled fallback when the registry is
 * unreachable.
 */
export class PromptRuntime {
  readonly cache: ResolvedPromptCache;
  readonly bus: PromptChangeBus;
  readonly #source: PromptSource;
  readonly #defaultTenant: string;
  readonly #logger: Logger | undefined;
  readonly #unsubscribe: () => void;
  readonly #experiments: ExperimentStore | undefined;

  constructor(opts: PromptRuntimeOptions) {
    this.#source = opts.source;
    this.#experiments = opts.experiments;
    this.#defaultTenant = opts.defaultTenant ?? 'default';
    this.#logger = opts.logger;
    this.cache = new ResolvedPromptCache({
      ...opts.cache,
      onRefreshError: (e, key) => {
        opts.cache?.onRefreshError?.(e, key);
        this.#logger?.warn({ prompt: key.name, tenant: key.tenant, err: { message: e instanceof Error ? e.message : String(e) } }, 'prompt refresh failed; serving the cached version');
      },
    });
    this.bus = opts.bus ?? new InProcessChangeBus();
    this.#unsubscribe = this.bus.subscribe((event) => this.#onBusEvent(event));
  }

  #onBusEvent(event: PromptBusEvent): void {
    if (event.type === 'resync') this.cache.invalidateAllLabels();
    else this.cache.invalidate(event.change.tenant, event.change.name, event.change.label);
  }

  /**
   * A label moved, was created or removed here: this replica forgets it at once (bus listeners
   * run synchronously) and the others hear of it. Give this to PromptRegistry's onLabelChange.
   */
  labelChanged(change: PromptChange): void {
    void this.bus.publish({ tenant: change.tenant, name: change.name, label: change.label });
  }

  /** The version a name, label or version number resolves to now (cached; see ResolvedPromptCache). */
  async get(nameOrRef: string, opts: GetPromptOptions = {}): Promise<PromptVersion> {
    const key = this.#key(nameOrRef, opts);
    const ref: PromptRef = key.version !== undefined ? { version: key.version } : { label: key.label };
    try {
      return await this.cache.get(key, () => this.#source.get(key.tenant, key.name, ref));
    } catch (e) {
      if (opts.fallback === undefined || !isUnreachable(e)) throw e;
      this.#logger?.warn(
        { prompt: key.name, tenant: key.tenant, err: { message: e instanceof Error ? e.message : String(e) } },
        'prompt registry unreachable; using the fallback bundled with the application',
      );
      return fallbackVersion(key, opts.fallback);
    }
  }

  #key(nameOrRef: string, opts: GetPromptOptions): PromptCacheKey {
    const { name, ref } = parsePromptRef(nameOrRef);
    const label = opts.label ?? ref.label;
    const version = opts.version ?? ref.version;
    if (label !== undefined && version !== undefined) {
      throw new StrataError('invalid_request', `Prompt '${name}': give a label or a version, not both.`);
    }
    if (version !== undefined && (!Number.isSafeInteger(version) || version < 1)) {
      throw new StrataError('invalid_request', `Prompt '${name}': a version is a whole number from 1, got ${String(version)}.`);
    }
    const tenant = opts.tenant ?? this.#defaultTenant;
    return version !== undefined ? { tenant, name, version } : { tenant, name, label: label ?? 'latest' };
  }

  /**
   * Resolves and renders: the messages and parameters for the gateway, with `ref` naming the
   * resolved version (`name@3`, never the label; `name@fallback` for the bundled fallback).
   */
  /**
   * The version a request should use: a prompt resolved by label (not a pinned version) that has a
   * running experiment gets the version of the subject's arm, and says which experiment and arm did it.
   */
  async choose(nameOrRef: string, opts: GetPromptOptions & { subject: string }): Promise<{ version: PromptVersion; experiment?: { id: string; arm: string } }> {
    const key = this.#key(nameOrRef, opts);
    const exps = this.#experiments;
    if (exps && key.version === undefined) {
      const running = await exps.running(key.tenant, 'prompt', key.name);
      if (running) {
        const arm = exps.assign(running, opts.subject);
        const version = await this.get(key.name, { tenant: key.tenant, version: arm.version, fallback: opts.fallback });
        return { version, experiment: { id: running.id, arm: arm.name } };
      }
    }
    return { version: await this.get(nameOrRef, opts) };
  }

  async render(nameOrRef: string, variables: Record<string, unknown>, opts: GetPromptOptions = {}): Promise<{ version: PromptVersion; rendered: RenderedPrompt }> {
    const version = await this.get(nameOrRef, opts);
    const ref = `${version.name}@${version.version === FALLBACK_VERSION ? 'fallback' : version.version}`;
    return { version, rendered: renderPrompt(version.content, variables, ref) };
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    await this.bus.close();
  }
}

function fallbackVersion(key: PromptCacheKey, bundled: PromptContent): PromptVersion {
  // checked like a pushed prompt, so a broken bundled copy fails as clearly as a broken file would
  const content = validatePromptContent({ ...bundled, name: key.name }, `fallback for ${key.name}`);
  return {
    tenant: key.tenant,
    name: key.name,
    version: FALLBACK_VERSION,
    hash: promptContentHash(content),
    content,
    message: 'fallback bundled with the application',
    createdAt: 0,
    createdBy: 'fallback',
  };
}
