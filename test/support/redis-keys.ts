import { connectionSchema, createRedis, loadConfig } from '@riskstream/shared';

/** A Redis client on the stack's REDIS_URL; callers disconnect it. */
export function testRedis() {
  return createRedis(loadConfig(connectionSchema, process.env));
}

/** Keys and values under a prefix (SCAN, never KEYS: the dev Redis is shared by every test). */
export async function redisEntries(prefix: string): Promise<Map<string, string | null>> {
  const redis = testRedis();
  try {
    const out = new Map<string, string | null>();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      const values = keys.length > 0 ? await redis.mget(...keys) : [];
      keys.forEach((k, i) => out.set(k, values[i] ?? null));
    } while (cursor !== '0');
    return out;
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key under a prefix: a test's cleanup. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = testRedis();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
