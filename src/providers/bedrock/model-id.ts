/** What a Bedrock model identifier refers to; pricing keys on baseModelId. */
export interface BedrockModelIdInfo {
  baseModelId: string;
  /** geography prefix of a cross-region (system) inference profile: us, eu, apac, global … */
  geo?: string;
  kind: 'foundation' | 'system-profile' | 'application-profile';
}

// Geography prefixes of system-defined cross-region inference profiles.
const GEO_PREFIXES = new Set(['us', 'eu', 'apac', 'global', 'us-gov', 'jp', 'au', 'ca', 'uk', 'sa', 'me', 'af', 'in', 'kr', 'mx', 'ap']);

/**
 * Classifies a model id: a foundation model id (`anthropic.claude…`), a system inference profile
 * (`us.anthropic.claude…`, also as an `inference-profile/` ARN), or an application inference
 * profile ARN (whose base model cannot be known from the id; baseModelId is then the ARN).
 */
export function describeBedrockModelId(id: string): BedrockModelIdInfo {
  if (id.startsWith('arn:')) {
    const resource = id.split(':').slice(5).join(':');
    const slash = resource.indexOf('/');
    const type = slash < 0 ? resource : resource.slice(0, slash);
    const name = slash < 0 ? '' : resource.slice(slash + 1);
    if (type === 'application-inference-profile') return { baseModelId: id, kind: 'application-profile' };
    if (type === 'inference-profile') return { ...describeBedrockModelId(name), kind: 'system-profile' };
    if (type === 'foundation-model') return { baseModelId: name, kind: 'foundation' };
    return { baseModelId: id, kind: 'foundation' };
  }
  const dot = id.indexOf('.');
  if (dot > 0) {
    const head = id.slice(0, dot);
    // A foundation id is provider.model; a profile adds a geo in front, so it has a second dot.
    if (GEO_PREFIXES.has(head) && id.indexOf('.', dot + 1) > 0) {
      return { baseModelId: id.slice(dot + 1), geo: head, kind: 'system-profile' };
    }
  }
  return { baseModelId: id, kind: 'foundation' };
}
