import type { Redis } from 'ioredis';

/**
 * Every key under a prefix with its value (hash fields sorted), the prefix stripped, so two stores can
 * be compared with deepEqual. TTLs are left out: they are refreshed on write, not state.
 */
export async function dumpPrefix(redis: Redis, prefix: string): Promise<Record<string, unknown>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  keys.sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const type = await redis.type(key);
    const name = key.slice(prefix.length);
    if (type === 'hash') {
      const h = await redis.hgetall(key);
      out[name] = Object.fromEntries(Object.entries(h).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    } else if (type === 'string') {
      out[name] = await redis.get(key);
    } else {
      out[name] = `<${type}>`;
    }
  }
  return out;
}

/** Only the entity bucket hashes (c: and t:), the state features are computed from. */
export function bucketsOnly(dump: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(dump).filter(([k]) => k.startsWith('c:') || k.startsWith('t:')));
}

export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 1000);
    cursor = next;
    if (batch.length > 0) deleted += await redis.unlink(...batch);
  } while (cursor !== '0');
  return deleted;
}

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
