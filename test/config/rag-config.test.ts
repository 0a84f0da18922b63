import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, parseConfig } from '../../src/config/index.js';

function problemsOf(yaml: string): { path: string; message: string }[] {
  try {
    parseConfig(yaml, 'strata.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

const MODELS = `
models:
  local: { provider: local, id: extractive }
  hash-embed: { provider: local, id: hash-embed }
  sonnet: { provider: bedrock, id: anthropic.claude-3-5-sonnet-20240620-v1:0, region: us-east-1 }
`;

describe('rag: and routes.<name>.knowledgeBase', () => {
  it('has defaults without a rag section', () => {
    expect(DEFAULT_CONFIG.rag).toEqual({ prompt: 'rag-answer@production', minRelevance: 0.2, sessionTtlSeconds: 86_400, maxSessionTurns: 10 });
  });

  it('parses a full example, filling the knowledge base defaults', () => {
    const config = parseConfig(
      `${MODELS}
rag:
  model: answers
  rewriteModel: sonnet
  prompt: support/rag-answer@production
  minRelevance: 0.3
  sessionTtlSeconds: 3600
routes:
  answers: { models: [sonnet, local] }
  docs:
    models: [local]
    knowledgeBase: { name: handbook, tenant: acme, rerank: { model: amazon.rerank-v1:0, topN: 3 }, minRelevance: 0.1 }
  plain:
    models: [local]
    knowledgeBase: { name: faq }
`,
      'strata.yaml',
    );
    expect(config.rag).toEqual({ model: 'answers', rewriteModel: 'sonnet', prompt: 'support/rag-answer@production', minRelevance: 0.3, sessionTtlSeconds: 3600, maxSessionTurns: 10 });
    expect(config.routes.docs!.knowledgeBase).toEqual({ name: 'handbook', tenant: 'acme', k: 5, mode: 'hybrid', rerank: { model: 'amazon.rerank-v1:0', topN: 3 }, minRelevance: 0.1 });
    expect(config.routes.plain!.knowledgeBase).toEqual({ name: 'faq', k: 5, mode: 'hybrid' });
  });

  it('names the field of a bad k, mode, name, tenant, rerank or minRelevance', () => {
    const problems = problemsOf(`${MODELS}
routes:
  docs:
    models: [local]
    knowledgeBase: { name: Hand Book, tenant: ACME, k: 0, mode: semantic, rerank: { topN: 500 }, minRelevance: 2 }
  more:
    models: [local]
    knowledgeBase: { name: faq, k: 2.5, color: blue }
`);
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'routes.docs.knowledgeBase.name',
        'routes.docs.knowledgeBase.tenant',
        'routes.docs.knowledgeBase.k',
        'routes.docs.knowledgeBase.mode',
        'routes.docs.knowledgeBase.minRelevance',
        'routes.more.knowledgeBase.k',
      ]),
    );
    expect(problems.find((p) => p.path === 'routes.docs.knowledgeBase.k')!.message).toMatch(/≥ 1/);
    expect(problems.find((p) => p.path === 'routes.docs.knowledgeBase.mode')!.message).toMatch(/vector\|lexical\|hybrid/);
    expect(problems.some((p) => p.path.startsWith('routes.docs.knowledgeBase.rerank'))).toBe(true);
    expect(problems.some((p) => p.path.startsWith('routes.more.knowledgeBase') && /color/.test(p.path + p.message))).toBe(true);
  });

  it('a knowledge base route needs a name', () => {
    expect(problemsOf(`${MODELS}\nroutes:\n  docs: { models: [local], knowledgeBase: { k: 3 } }\n`).map((p) => p.path)).toContain('routes.docs.knowledgeBase.name');
  });

  it('checks rag.model and rag.rewriteModel against the models and routes', () => {
    const problems = problemsOf(`${MODELS}
rag:
  model: nowhere
  rewriteModel: local
`);
    expect(problems.find((p) => p.path === 'rag.model')!.message).toMatch(/unknown route or model 'nowhere'/);
    expect(problems.find((p) => p.path === 'rag.rewriteModel')!.message).toMatch(/extractive/);
    expect(problemsOf(`${MODELS}\nrag: { model: hash-embed }\n`).find((p) => p.path === 'rag.model')!.message).toMatch(/embedding model/);
  });

  it('rejects out-of-range rag settings and unknown fields', () => {
    const paths = problemsOf(`${MODELS}
rag:
  minRelevance: -0.1
  sessionTtlSeconds: 0
  prompt: "Not A Ref!"
  temperature: 0
`).map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['rag.minRelevance', 'rag.sessionTtlSeconds', 'rag.prompt']));
    expect(paths.some((p) => p.startsWith('rag'))).toBe(true);
  });
});
