import type { FastifyInstance, FastifyRequest } from 'fastify';
import { StrataError, isRecord } from '../core/index.js';
import type { PromptRegistry } from '../prompts/index.js';
import {
  EXPERIMENT_STATUSES,
  formatExperimentTable,
  type CreateExperimentInput,
  type Experiment,
  type ExperimentStatus,
  type ExperimentStore,
  type Feedback,
  type FeedbackInput,
} from '../prompts/experiments/index.js';
import { principalOf } from './auth.js';
import { queryParam, requestTenant } from './request-common.js';

export interface ExperimentRoutesDeps {
  store: ExperimentStore;
  /** promote moves the prompt's production label through the registry */
  registry: Pick<PromptRegistry, 'setLabel'>;
  /** tenants whose feedback comments (free text) are stored; every other tenant's are dropped */
  feedbackTextTenants?: readonly string[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The wire form of an experiment (snake_case like every other /v1 body). */
export function experimentBody(e: Experiment) {
  return {
    object: 'experiment',
    id: e.id,
    tenant: e.tenant,
    name: e.name,
    kind: e.kind,
    target: e.target,
    arms: e.arms,
    status: e.status,
    created_at: iso(e.createdAt),
    updated_at: iso(e.updatedAt),
    created_by: e.createdBy,
    promoted_arm: e.promotedArm,
  };
}

function feedbackBody(f: Feedback) {
  return {
    object: 'feedback',
    invocation_id: f.invocationId,
    score: f.score,
    thumbs: f.thumbs,
    comment_stored: f.comment !== null,
    ...(f.commentDropped ? { warning: 'The comment was not stored: this tenant does not allow free-text feedback.' } : {}),
    created_at: iso(f.createdAt),
  };
}

/** Who acts, for created_by and the prompt label history: the key id, never its secret. */
function actorOf(request: FastifyRequest): { actor: string; actorRole: string } {
  const p = principalOf(request);
  return { actor: p.keyId === 'no-auth' ? 'no-auth' : `key:${p.keyId}`, actorRole: p.role };
}

/** The body as an object with only the allowed fields, or a 400 showing the expected shape. */
function bodyOf(raw: unknown, fields: readonly string[], shape: string): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) throw new StrataError('invalid_request', `Send a JSON object: ${shape}.`);
  const unknown = Object.keys(raw).find((k) => !fields.includes(k));
  if (unknown !== undefined) throw new StrataError('invalid_request', `Unknown field '${unknown.slice(0, 40)}'; expected ${shape}.`);
  return raw;
}

const CREATE_SHAPE = '{"name": …, "kind": "prompt" | "route", "target": prompt or route name, "arms": [{"name", "weight"?, "version" | "model"}]}';
const FEEDBACK_SHAPE = '{"invocation_id": …, "score": 0..1 | "thumbs": "up" | "down", "comment"?: …}';

function createInput(raw: unknown): CreateExperimentInput {
  const body = bodyOf(raw, ['name', 'kind', 'target', 'arms'], CREATE_SHAPE);
  for (const field of ['name', 'kind', 'target'] as const) {
    if (typeof body[field] !== 'string') throw new StrataError('invalid_request', `'${field}' is required and must be a string: ${CREATE_SHAPE}.`);
  }
  if (!Array.isArray(body.arms)) throw new StrataError('invalid_request', `'arms' is required and must be a list: ${CREATE_SHAPE}.`);
  // The store checks every arm field by kind; here only the outer shape.
  return body as unknown as CreateExperimentInput;
}

function feedbackInput(raw: unknown): Omit<FeedbackInput, 'keyId'> {
  const body = bodyOf(raw, ['invocation_id', 'score', 'thumbs', 'comment'], FEEDBACK_SHAPE);
  const { invocation_id: invocationId, score, thumbs, comment } = body;
  if (typeof invocationId !== 'string') throw new StrataError('invalid_request', `'invocation_id' is required: ${FEEDBACK_SHAPE}.`);
  if (score !== undefined && score !== null && typeof score !== 'number') throw new StrataError('invalid_request', "'score' must be a number from 0 to 1.");
  if (thumbs !== undefined && thumbs !== null && thumbs !== 'up' && thumbs !== 'down') throw new StrataError('invalid_request', "'thumbs' must be 'up' or 'down'.");
  if (comment !== undefined && comment !== null && typeof comment !== 'string') throw new StrataError('invalid_request', "'comment' must be a string.");
  return {
    invocationId,
    ...(typeof score === 'number' ? { score } : {}),
    ...(thumbs === 'up' || thumbs === 'down' ? { thumbs } : {}),
    ...(typeof comment === 'string' ? { comment } : {}),
  };
}

/**
 * /v1/experiments (create, list, show with results, start, pause, stop, promote) and POST /v1/feedback.
 * The auth hook already demands prompts:write for the first and invoke for the second.
 */
export function registerExperimentRoutes(app: FastifyInstance, deps: ExperimentRoutesDeps): void {
  const { store, registry } = deps;
  const textTenants = new Set(deps.feedbackTextTenants ?? []);

  app.post('/v1/experiments', async (request, reply) => {
    const tenant = requestTenant(request, 'prompts:write');
    const experiment = await store.create(tenant, createInput(request.body), actorOf(request).actor);
    return reply.code(201).send(experimentBody(experiment));
  });

  app.get('/v1/experiments', async (request, reply) => {
    const tenant = requestTenant(request, 'prompts:write');
    const status = queryParam(request, 'status') || undefined;
    if (status !== undefined && !(EXPERIMENT_STATUSES as readonly string[]).includes(status)) {
      throw new StrataError('invalid_request', `status must be one of ${EXPERIMENT_STATUSES.join(', ')}.`);
    }
    const target = queryParam(request, 'target') || undefined;
    const list = await store.list(tenant, { ...(target === undefined ? {} : { target }), ...(status === undefined ? {} : { status: status as ExperimentStatus }) });
    return reply.send({ object: 'list', data: list.map(experimentBody) });
  });

  app.get<{ Params: { id: string } }>('/v1/experiments/:id', async (request, reply) => {
    const tenant = requestTenant(request, 'prompts:write');
    const seedText = queryParam(request, 'seed') || undefined;
    if (seedText !== undefined && !/^[0-9]{1,9}$/.test(seedText)) throw new StrataError('invalid_request', "'seed' must be a whole number.");
    const { experiment, results } = await store.results(tenant, request.params.id, seedText === undefined ? {} : { seed: Number(seedText) });
    return reply.send({ ...experimentBody(experiment), results, table: formatExperimentTable(results) });
  });

  for (const action of ['start', 'pause', 'stop'] as const) {
    app.post<{ Params: { id: string } }>(`/v1/experiments/:id/${action}`, async (request, reply) => {
      const tenant = requestTenant(request, 'prompts:write');
      bodyOf(request.body, [], '{} (or no body)');
      const experiment = await store[action](tenant, request.params.id, actorOf(request).actor);
      return reply.send(experimentBody(experiment));
    });
  }

  app.post<{ Params: { id: string } }>('/v1/experiments/:id/promote', async (request, reply) => {
    const tenant = requestTenant(request, 'prompts:write');
    const { arm } = bodyOf(request.body, ['arm'], '{"arm": "<arm name>"}');
    if (typeof arm !== 'string' || arm === '') throw new StrataError('invalid_request', `Name the arm to promote: {"arm": "<arm name>"}.`);
    const { actor, actorRole } = actorOf(request);
    const { experiment, labelEvent } = await store.promote(tenant, request.params.id, arm, registry, actor, actorRole);
    return reply.send({
      ...experimentBody(experiment),
      label: { object: 'prompt.label_event', name: experiment.target, label: labelEvent.label, from: labelEvent.from, to: labelEvent.to, reason: labelEvent.reason, at: iso(labelEvent.at) },
    });
  });

  app.post('/v1/feedback', async (request, reply) => {
    const tenant = requestTenant(request, 'invoke');
    const principal = principalOf(request);
    const input: FeedbackInput = { ...feedbackInput(request.body), ...(principal.keyId === 'no-auth' ? {} : { keyId: principal.keyId }) };
    const feedback = await store.recordFeedback(tenant, input, { storeText: textTenants.has(tenant) });
    return reply.code(201).send(feedbackBody(feedback));
  });
}
