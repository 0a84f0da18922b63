import { createClient } from 'redis';

/** Deletes what a benchmark's Redis scenario left under `prefix` (a cached answer per request, an hour's TTL) from a shared Redis. */
export async function removeRedisKeys(url: string, prefix: string): Promise<void> {
  const client = createClient({ url });
  try {
    await client.connect();
    let batch: string[] = [];
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      batch.push(...keys);
      if (batch.length >= 1000) {
        await client.unlink(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await client.unlink(batch);
  } catch (e) {
    process.stderr.write(`could not remove the benchmark's Redis keys (${prefix}*): ${(e as Error).message}\n`);
  } finally {
    if (client.isOpen) await client.quit();
  }
}
