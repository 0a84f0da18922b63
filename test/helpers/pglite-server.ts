// Serves an in-memory PGlite with the pgvector extension over the PostgreSQL wire protocol, so that the
// pgvector code paths can be tested with the real `pg` driver on machines without a pgvector package.
//
//   node --import tsx test/helpers/pglite-server.ts [--port 5499] [--host 127.0.0.1] [--max-connections 64]
//
// Prints one line `pglite ready postgres://postgres@HOST:PORT/postgres (pgvector X.Y.Z)` once it accepts
// connections, and stops on SIGINT / SIGTERM. PGlite is one single-user backend: the socket server runs the
// statements of all connections one at a time and keeps an open transaction's connection first in line, but
// session state (SET, search_path, startup options) is shared by every connection.
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

function fail(message: string): never {
  console.error(`pglite-server: ${message}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PGLITE_PORT ?? '5499' },
    host: { type: 'string', default: '127.0.0.1' },
    // a store's pool opens up to 10 connections, and test files run in parallel
    'max-connections': { type: 'string', default: '64' },
  },
});
const port = Number(values.port);
const maxConnections = Number(values['max-connections']);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0–65535, got ${values.port}`);
if (!Number.isInteger(maxConnections) || maxConnections < 1) fail(`--max-connections must be a whole number ≥ 1, got ${values['max-connections']}`);

const db = await PGlite.create({ extensions: { vector } });
await db.exec('create extension if not exists vector');
const server = new PGLiteSocketServer({ db, port, host: values.host, maxConnections });
await server.start();
const version = (await db.query<{ extversion: string }>("select extversion from pg_extension where extname = 'vector'")).rows[0]?.extversion;
console.log(`pglite ready postgres://postgres@${server.getServerConn()}/postgres (pgvector ${version ?? '?'})`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server.stop().catch(() => {});
  await db.close().catch(() => {});
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
