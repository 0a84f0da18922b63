/** Denied topics and allowed scope: embedding similarity to definitions and examples plus lexical cues. */
export {
  TopicDetector,
  DEFAULT_TOPIC_THRESHOLD,
  DEFAULT_SIM_FLOOR,
  DEFAULT_SIM_CEIL,
  type TopicDetectorOptions,
  type TopicMatch,
  type TopicCheck,
} from './topic-detector.js';
export { validateTopics, TOPIC_LIMITS, type Topic, type TopicMode } from './topic-config.js';
export { textWindows } from './windows.js';
