import { Redis } from "ioredis";

/** Deletes every key matching `pattern` (e.g. `pag0-test:<run>:*`) from a Redis; returns how many. */
export async function deleteRedisKeys(url: string, pattern: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let deleted = 0;
    for await (const keys of redis.scanStream({ match: pattern, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length) deleted += await redis.del(...keys);
    }
    return deleted;
  } finally {
    await redis.quit();
  }
}
