import type { Clock } from '../../core/index.js';

/* The types of the experiment store: what its methods take and return (its rows are in store/schema.ts). */

export type ExperimentKind = 'prompt' | 'route';
export type ExperimentStatus = 'draft' | 'running' | 'paused' | 'stopped';
export const EXPERIMENT_KINDS: readonly ExperimentKind[] = ['prompt', 'route'];
export const EXPERIMENT_STATUSES: readonly ExperimentStatus[] = ['draft', 'running', 'paused', 'stopped'];

/** One arm: a prompt version (kind prompt) or a model alias (kind route), with its share of traffic. */
export interface ExperimentArm {
  name: string;
  weight: number;
  version?: number;
  model?: string;
}

export interface Experiment {
  id: string;
  tenant: string;
  name: string;
  kind: ExperimentKind;
  target: string;
  arms: ExperimentArm[];
  status: ExperimentStatus;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
  promotedArm: string | null;
}

export interface CreateExperimentInput {
  name: string;
  kind: ExperimentKind;
  target: string;
  /** weight defaults to 1 */
  arms: readonly (Omit<ExperimentArm, 'weight'> & { weight?: number })[];
}

export interface FeedbackInput {
  invocationId: string;
  score?: number;
  thumbs?: 'up' | 'down';
  comment?: string;
  keyId?: string;
}

export interface Feedback {
  invocationId: string;
  tenant: string;
  keyId: string | null;
  score: number | null;
  thumbs: 'up' | 'down' | null;
  comment: string | null;
  /** a comment was given but the tenant does not allow free text, so it was not stored */
  commentDropped: boolean;
  createdAt: number;
}

export interface ExperimentStoreOptions {
  clock?: Clock;
  /** how long running() answers from memory; default 1000 ms (other processes' changes show within it) */
  cacheMs?: number;
  /**
   * Writes buffered invocation records (InvocationWriter.flush): feedback can arrive right after the
   * response, before its record is flushed, so an unknown id is looked up once more after this.
   */
  flushInvocations?: () => Promise<void>;
}
