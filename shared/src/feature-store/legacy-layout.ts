import type { Redis } from 'ioredis';
import { LuaScript } from './lua-script.ts';
import { customerKey, LAYOUT_VERSION, STORE_LAYOUT, terminalKey, type EntityLayout } from './store-layout.ts';
import type { StoreSettings } from './store-protocol.ts';

const MIGRATE = LuaScript.fromFiles('migrate-layout', ['entity-state.lua', 'migrate-layout.lua']);

/**
 * Upgrading from layout v1 (entity hashes <prefix>c:<card> / <prefix>t:<terminal> with "<day>:n|s|f"
 * fields). v2 keeps its entities under other names (store-layout.ts), so a v1 hash is never read as
 * v2; without a migration the v2 store would start empty and every window would be short until it
 * filled (up to the longest retention, 37 days). So before a store's first batch, the v1 hashes under
 * the prefix are converted, once per prefix:
 *
 * - `<prefix>layout` holds the layout version once a migration has completed (or found nothing), so
 *   every later start costs one GET;
 * - otherwise every v1 hash is converted (SCAN, one atomic script per page; a hash whose v2 value
 *   already exists is left to expire), then the marker is set. Replicas starting together may both
 *   migrate: each page is atomic and skips what is converted, so every hash is converted exactly once,
 *   and no replica applies a batch before its own pass over every v1 key has ended.
 *
 * Snapshots (pre:) and label markers (lbl:) keep their names and are readable by v2 as they are.
 * Running v1 and v2 replicas side by side is not supported (v1 would keep writing hashes v2 no longer
 * reads): stop every v1 replica before starting v2.
 */
export const LEGACY_LAYOUT = Object.freeze({
  version: 1,
  customerKey: (prefix: string, cardToken: string) => `${prefix}c:${cardToken}`,
  terminalKey: (prefix: string, terminalId: string) => `${prefix}t:${terminalId}`,
});

export function layoutMarkerKey(prefix: string): string {
  return `${prefix}layout`;
}

export interface MigrationResult {
  /** v1 hashes converted to v2 values (and deleted). */
  readonly migrated: number;
  /** v1 keys left alone: not a bucket hash, or their v2 value already existed. */
  readonly leftAlone: number;
  /** False when the marker said the prefix was already on this layout. */
  readonly scanned: boolean;
}

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

export async function migrateLegacyLayout(redis: Redis, prefix: string, settings: StoreSettings): Promise<MigrationResult> {
  const marker = layoutMarkerKey(prefix);
  if ((await redis.get(marker)) === String(LAYOUT_VERSION)) return { migrated: 0, leftAlone: 0, scanned: false };
  let migrated = 0;
  let leftAlone = 0;
  const kinds: [(p: string, id: string) => string, (p: string, id: string) => string, EntityLayout][] = [
    [LEGACY_LAYOUT.customerKey, customerKey, STORE_LAYOUT.customer],
    [LEGACY_LAYOUT.terminalKey, terminalKey, STORE_LAYOUT.terminal],
  ];
  for (const [legacyKey, key, layout] of kinds) {
    const legacyPrefix = legacyKey(prefix, '');
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${globEscape(legacyPrefix)}*`, 'COUNT', 1000);
      cursor = next;
      if (found.length === 0) continue;
      const keys = found.flatMap((k) => [k, key(prefix, k.slice(legacyPrefix.length))]);
      const [m, l] = (await MIGRATE.run(redis, keys, [layout.retentionDays + settings.retentionSlackDays, layout.fields.join(''), settings.featureTtlSeconds])) as [number, number];
      migrated += m;
      leftAlone += l;
    } while (cursor !== '0');
  }
  await redis.set(marker, String(LAYOUT_VERSION));
  return { migrated, leftAlone, scanned: true };
}
