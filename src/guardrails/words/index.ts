/** Word filters: custom words and phrases and a managed profanity list, matched in one pass. */
export { WordFilter, maskMatches, MAX_CUSTOM_WORDS, MAX_WORD_LENGTH, type WordFilterOptions, type WordMatch, type MaskOptions } from './word-filter.js';
export { PROFANITY } from './data/profanity.js';
export { foldText, foldLeetText, foldCode, leetCode } from './char-fold.js';
