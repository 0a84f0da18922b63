import { randomBytes } from 'node:crypto';
import { connectRedis, type RedisClient } from '../../src/store/index.js';

/** The Redis server for server-backed suites; unset means those suites are skipped. */
export const TEST_REDIS_URL: string | undefined = process.env.STRATA_TEST_REDIS_URL || undefined;

/** A key prefix no other test will use, so suites share one Redis without seeing each other. */
export function randomRedisPrefix(name = 'test'): string {
  return `strata-test:${name}:${randomBytes(6).toString('hex')}:`;
}

/** A connected client and a cleanup that deletes every key under the prefix, then disconnects. */
export async function testRedis(url: string, prefix: string): Promise<{ client: RedisClient; cleanup(): Promise<void> }> {
  const client = await connectRedis(url);
  return {
    client,
    async cleanup() {
      for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
        if (keys.length > 0) await client.del(keys);
      }
      client.destroy();
    },
  };
}
