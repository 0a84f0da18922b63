/** A plain JSON object (not null, not an array): the shape check every wire parser starts with. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
