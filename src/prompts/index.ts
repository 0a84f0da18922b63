/* The prompt registry's public face: prompt files, templates and rendering, content hashes, the registry. */
export type * from './types.js';
export {
  parsePromptFile,
  loadPromptDir,
  validatePromptContent,
  checkPromptContent,
  stringifyPromptContent,
  PROMPT_NAME_PATTERN,
  PROMPT_NAME_MAX,
  type LoadedPromptFile,
} from './file.js';
export { formatProblem, type PromptProblem } from './problems.js';
export {
  parseTemplate,
  templateVariables,
  renderPrompt,
  promptParams,
  matchesVariableType,
  TemplateSyntaxError,
  VARIABLE_NAME_PATTERN,
  type TemplateSegment,
} from './template.js';
export { promptContentHash, canonicalJson } from './content-hash.js';
export { unifiedDiff } from './diff.js';
export { LABEL_PATTERN, LATEST_LABEL, assertPromptName, assertLabelName, formatPromptRef } from './refs.js';
export { PromptRegistry, parsePromptRef, type LabelChange, type LabelActor, type PromptRegistryOptions, type PromptSummary } from './registry.js';
