export { buildServer, type ServerOptions } from './app.js';
export { tuneGc, type GcChoice, type ParallelGcSetting } from './gc.js';
