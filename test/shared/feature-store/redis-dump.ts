import type { Redis } from 'ioredis';
import { customerKey, decodeEntityValue, generationKey, STORE_LAYOUT, terminalKey, type EntityState } from '@riskstream/shared/feature-store';

const ENTITY_KINDS = [
  { kind: 'c', layout: STORE_LAYOUT.customer, key: customerKey },
  { kind: 't', layout: STORE_LAYOUT.terminal, key: terminalKey },
] as const;

/** A customer's ('c') or terminal's ('t') stored state, decoded; null when the store holds none. */
export async function readEntity(redis: Redis, prefix: string, kind: 'c' | 't', id: string): Promise<EntityState | null> {
  const e = ENTITY_KINDS.find((k) => k.kind === kind)!;
  const value = await redis.getBuffer(e.key(prefix, id));
  return value === null ? null : decodeEntityValue(value, e.layout);
}

/**
 * Every key under a prefix with its value (hash fields sorted), the prefix stripped, so two stores can
 * be compared with deepEqual. Entity states are decoded and named "c:<card>" / "t:<terminal>" whatever
 * the layout's key names (`raw`: as stored, e.g. when one may not decode). TTLs are left out: they are
 * refreshed on write, not state; so is the store generation (its id names the Redis memory, different
 * for every store by design).
 */
export async function dumpPrefix(redis: Redis, prefix: string, options: { raw?: boolean } = {}): Promise<Record<string, unknown>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  keys.sort();
  const out: Record<string, unknown> = {};
  const generation = generationKey(prefix);
  for (const key of keys) {
    if (key === generation) continue;
    const type = await redis.type(key);
    const name = key.slice(prefix.length);
    const entity = ENTITY_KINDS.find((k) => key.startsWith(k.key(prefix, '')));
    if (entity && type === 'string' && !options.raw) {
      out[`${entity.kind}:${key.slice(entity.key(prefix, '').length)}`] = decodeEntityValue((await redis.getBuffer(key))!, entity.layout);
    } else if (type === 'hash') {
      const h = await redis.hgetall(key);
      out[name] = Object.fromEntries(Object.entries(h).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    } else if (type === 'string') {
      // latin1 maps bytes to characters one to one, so binary values (packed pre-states) compare exactly.
      out[name] = (await redis.getBuffer(key))?.toString('latin1') ?? null;
    } else {
      out[name] = `<${type}>`;
    }
  }
  return out;
}

/** Only the entity states (c: and t:), the state features are computed from. */
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
