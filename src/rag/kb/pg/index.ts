export { PgKbEngine } from './pg-engine.js';
