import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DependencyError, redisUnavailable, type RetrainAction } from '@riskstream/shared';

/**
 * Decides whether an alert may be published, in Redis so every replica and every restart agrees:
 *
 *  - dedup: one request per alert occurrence (fingerprint + startsAt). Alertmanager re-sends a firing
 *    alert every repeat_interval, and an HA pair of Alertmanagers sends each notification twice.
 *  - cooldown: at most one request per model_name + action per cooldown period, so an alert that flaps
 *    (new startsAt each time) or several alerts about one model do not retrain in a loop.
 *
 * Both are markers claimed with SET NX before publishing, holding `pending:<token>` for a short claim
 * TTL. After Kafka acknowledged, the holder turns them into `done:<event id>` with their long TTL. If
 * publishing fails the holder deletes them (only if it still holds them), so the sender's retry is not
 * swallowed by a marker of a request that never reached Kafka. A holder that dies mid-publish leaves a
 * pending marker that lapses after the claim TTL.
 *
 * An alert suppressed by the cooldown gives its dedup claim back: nothing was published for it, so a
 * repeat after the cooldown may still be.
 */

/** The storage primitive, so the logic can be tested against a fake with a fake clock. */
export interface MarkerStore {
  /** Sets key to value with a TTL if absent; returns the value it held (null = now claimed). */
  claim(key: string, value: string, ttlMs: number): Promise<string | null>;
  /** Sets key to value with a new TTL only if it still holds `expected`; true if it did. */
  replace(key: string, expected: string, value: string, ttlMs: number): Promise<boolean>;
  /** Deletes key only if it still holds `expected`; true if it did. */
  release(key: string, expected: string): Promise<boolean>;
}

export interface Claim {
  readonly key: string;
  readonly value: string;
}

export type AlertVerdict =
  | { readonly kind: 'claimed'; readonly claim: Claim }
  /** Published before (by any replica); `eventId` is that request's. */
  | { readonly kind: 'duplicate'; readonly eventId: string | null }
  /** Another request is publishing this very alert right now. */
  | { readonly kind: 'in_progress' };

export type CooldownVerdict =
  | { readonly kind: 'claimed'; readonly claim: Claim | null }
  | { readonly kind: 'cooling'; readonly eventId: string | null };

export interface AlertGateOptions {
  readonly store: MarkerStore;
  /** Namespaces the markers (deployment, topic namespace, test run). */
  readonly keyPrefix: string;
  readonly dedupTtlMs: number;
  /** 0 = no cooldown. */
  readonly cooldownMs: number;
  readonly claimTtlMs: number;
  readonly newToken?: () => string;
}

const PENDING = 'pending:';
const DONE = 'done:';

export class AlertGate {
  readonly #o: AlertGateOptions;
  readonly #newToken: () => string;

  constructor(options: AlertGateOptions) {
    this.#o = options;
    this.#newToken = options.newToken ?? randomUUID;
  }

  dedupKey(fingerprint: string, startsAt: number): string {
    // Hashed: fingerprints are sender-controlled text of any length.
    return `${this.#o.keyPrefix}dedup:${createHash('sha256').update(`${fingerprint}\0${startsAt}`).digest('hex')}`;
  }

  cooldownKey(modelName: string, action: RetrainAction): string {
    return `${this.#o.keyPrefix}cooldown:${encodeURIComponent(modelName)}:${action}`;
  }

  async claimAlert(fingerprint: string, startsAt: number): Promise<AlertVerdict> {
    const claim = { key: this.dedupKey(fingerprint, startsAt), value: PENDING + this.#newToken() };
    const held = await this.#o.store.claim(claim.key, claim.value, this.#o.claimTtlMs);
    if (held === null) return { kind: 'claimed', claim };
    if (held.startsWith(PENDING)) return { kind: 'in_progress' };
    return { kind: 'duplicate', eventId: held.startsWith(DONE) ? held.slice(DONE.length) : null };
  }

  /**
   * A pending cooldown held by another request counts as cooling: that request publishes for this model
   * and action, or fails and is retried by its sender, which publishes then.
   */
  async claimCooldown(modelName: string, action: RetrainAction): Promise<CooldownVerdict> {
    if (this.#o.cooldownMs <= 0) return { kind: 'claimed', claim: null };
    const claim = { key: this.cooldownKey(modelName, action), value: PENDING + this.#newToken() };
    const held = await this.#o.store.claim(claim.key, claim.value, this.#o.claimTtlMs);
    if (held === null) return { kind: 'claimed', claim };
    return { kind: 'cooling', eventId: held.startsWith(DONE) ? held.slice(DONE.length) : null };
  }

  /** Marks both claims as published; the cooldown runs from now. */
  async commit(alert: Claim, cooldown: Claim | null, eventId: string): Promise<void> {
    const done = DONE + eventId;
    const results = await Promise.all([
      this.#o.store.replace(alert.key, alert.value, done, this.#o.dedupTtlMs),
      cooldown ? this.#o.store.replace(cooldown.key, cooldown.value, done, this.#o.cooldownMs) : true,
    ]);
    if (results.includes(false)) throw new DependencyError('redis', 'a claim lapsed before it was committed (publishing took longer than the claim TTL)');
  }

  async release(claim: Claim | null): Promise<void> {
    if (claim) await this.#o.store.release(claim.key, claim.value);
  }
}

// Compare-and-set / compare-and-delete: a replica never touches a marker it no longer holds.
const REPLACE_IF_HELD = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0`;
const DELETE_IF_HELD = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Redis marker store: SET NX GET (Redis >= 7.0) and two compare-and-* scripts. */
export function redisMarkerStore(redis: Redis): MarkerStore {
  return {
    async claim(key, value, ttlMs) {
      try {
        const previous = await redis.call('SET', key, value, 'NX', 'GET', 'PX', String(ttlMs));
        return previous === null ? null : String(previous);
      } catch (err) {
        throw redisUnavailable('claiming an alert marker failed', err);
      }
    },
    async replace(key, expected, value, ttlMs) {
      try {
        return (await redis.eval(REPLACE_IF_HELD, 1, key, expected, value, String(ttlMs))) === 1;
      } catch (err) {
        throw redisUnavailable('committing an alert marker failed', err);
      }
    },
    async release(key, expected) {
      try {
        return (await redis.eval(DELETE_IF_HELD, 1, key, expected)) === 1;
      } catch (err) {
        throw redisUnavailable('releasing an alert marker failed', err);
      }
    },
  };
}
