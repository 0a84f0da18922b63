import type { ChatParams } from '../core/index.js';

/*
 * The prompt registry's public types. A prompt is a named, versioned template; versions are immutable and
 * numbered per prompt; labels (production, staging, …; `latest` kept automatically) point at versions.
 * Prompts belong to a tenant: the same name in two tenants is two prompts.
 */

export type PromptType = 'chat' | 'text';
export type VariableType = 'string' | 'number' | 'integer' | 'boolean';

export interface VariableSpec {
  type: VariableType;
  required: boolean;
  default?: string | number | boolean;
  description?: string;
}

/** Model defaults a prompt carries: where to send it and with which parameters. */
export interface PromptModelDefaults {
  /** a route name or a model alias of strata.yaml */
  route?: string;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  stop?: string[];
}

/** What a prompt file holds (and what a version stores), validated. */
export interface PromptContent {
  name: string;
  type: PromptType;
  description?: string;
  owner?: string;
  tags: string[];
  variables: Record<string, VariableSpec>;
  model: PromptModelDefaults;
  /** type chat */
  messages?: { role: 'system' | 'user' | 'assistant'; content: string }[];
  /** type text */
  template?: string;
}

/** One immutable version of a prompt. */
export interface PromptVersion {
  tenant: string;
  name: string;
  version: number;
  /** hex SHA-256 of the canonical content: pushing identical content creates no new version */
  hash: string;
  content: PromptContent;
  /** the commit message given when it was pushed */
  message: string | null;
  createdAt: number;
  createdBy: string;
}

export interface PromptLabel {
  label: string;
  version: number;
  protected: boolean;
  updatedAt: number;
  updatedBy: string;
}

/** What moved a label: a push (`latest`, or `--label` on push), a hand move, a removal, a rollback. */
export type LabelEventKind = 'push' | 'set' | 'remove' | 'rollback';

/** One move of a label (or its creation: from = null; its removal: to = null). */
export interface LabelEvent {
  label: string;
  /** always set by the registry; optional so that code building events by hand keeps compiling */
  kind?: LabelEventKind;
  from: number | null;
  to: number | null;
  actor: string;
  reason: string | null;
  at: number;
}

/** Which version to use: a label, a version number, or (neither) the `latest` label. */
export interface PromptRef {
  label?: string;
  version?: number;
}

/** A rendered prompt, ready for the gateway. */
export interface RenderedPrompt {
  /** `name@version` as it goes on the record and in x-strata-prompt */
  ref: string;
  messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
  /** the prompt's model defaults as ChatParams */
  params: ChatParams;
  route?: string;
}
