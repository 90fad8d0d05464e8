import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { ConfigError, NotFoundError, type ConfigIssue } from '@riskstream/shared';
import { cardBin, cardLast4 } from './card-number.ts';

/**
 * Pseudonymisation at the edge: a card number becomes hex HMAC-SHA256(key, card number). A keyed hash
 * rather than a plain one because the PAN space is small (a BIN plus ~9 free digits and a check digit):
 * an unkeyed hash is reversed by enumeration in minutes; without the key it cannot be.
 *
 * Rotation: CARD_TOKEN_KEYS lists every key still needed (`k1:<base64>,k2:<base64>`), and
 * CARD_TOKEN_ACTIVE_KEY names the one that signs new tokens. Every token carries its key id
 * (card_key_id), so a token made under an old key can still be recomputed and checked while that key is
 * listed. A rotation changes the tokens of every card, which restarts per-card feature history; that is
 * the price of retiring a key.
 */

export interface CardTokenKey {
  readonly id: string;
  readonly secret: Buffer;
}

/** What replaces the card number in transactions.valid.v1. */
export interface CardToken {
  readonly card_token: string;
  readonly card_key_id: string;
  readonly card_bin: string;
  readonly card_last4: string;
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** 128 bits; the dev stack and any sane secret store hand out 256. */
export const MIN_SECRET_BYTES = 16;

/** Shape check for the config field; the message shows the format, never the value. */
export const CARD_TOKEN_KEYS_PATTERN = /^[A-Za-z0-9_.-]{1,32}:[A-Za-z0-9+/]+={0,2}(,[A-Za-z0-9_.-]{1,32}:[A-Za-z0-9+/]+={0,2})*$/;

/** Every problem with a key list and the active key id; issue texts name key ids, never secrets. */
export function checkCardTokenKeys(raw: string, activeKeyId: string | undefined, field = 'CARD_TOKEN_KEYS'): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const ids = new Set<string>();
  for (const [i, entry] of raw.split(',').entries()) {
    const sep = entry.indexOf(':');
    const id = sep < 0 ? '' : entry.slice(0, sep).trim();
    const secret = sep < 0 ? '' : entry.slice(sep + 1).trim();
    if (!KEY_ID.test(id)) {
      issues.push({ field, problem: `entry ${i + 1} must be <key id>:<base64 secret> with a key id of [A-Za-z0-9_.-]{1,32}` });
      continue;
    }
    if (ids.has(id)) issues.push({ field, problem: `key id "${id}" is listed twice` });
    ids.add(id);
    if (!BASE64.test(secret) || Buffer.from(secret, 'base64').length < MIN_SECRET_BYTES) {
      issues.push({ field, problem: `secret of key "${id}" must be base64 of at least ${MIN_SECRET_BYTES} bytes` });
    }
  }
  if (activeKeyId === undefined) {
    if (ids.size > 1) issues.push({ field: 'CARD_TOKEN_ACTIVE_KEY', problem: 'is required when CARD_TOKEN_KEYS lists more than one key' });
  } else if (!ids.has(activeKeyId)) {
    issues.push({ field: 'CARD_TOKEN_ACTIVE_KEY', problem: `names key "${activeKeyId}", which CARD_TOKEN_KEYS does not list` });
  }
  return issues;
}

export function parseCardTokenKeys(raw: string): CardTokenKey[] {
  const issues = checkCardTokenKeys(raw, undefined).filter((i) => i.field === 'CARD_TOKEN_KEYS');
  if (issues.length > 0) throw new ConfigError(issues);
  return raw.split(',').map((entry) => {
    const sep = entry.indexOf(':');
    return { id: entry.slice(0, sep).trim(), secret: Buffer.from(entry.slice(sep + 1).trim(), 'base64') };
  });
}

export class CardTokenizer {
  readonly activeKeyId: string;
  /**
   * KeyObjects made once: createHmac with a raw Buffer builds a key object on every call, which cost
   * 11-14 us per token against 1.5-2.4 us here, and was 14% of ingest's CPU under load.
   */
  readonly #secrets: ReadonlyMap<string, KeyObject>;

  /** `activeKeyId` may be omitted when there is exactly one key. */
  constructor(keys: readonly CardTokenKey[], activeKeyId?: string) {
    if (keys.length === 0) throw new ConfigError([{ field: 'CARD_TOKEN_KEYS', problem: 'must list at least one key' }]);
    const active = activeKeyId ?? (keys.length === 1 ? keys[0]!.id : undefined);
    if (active === undefined || !keys.some((k) => k.id === active)) {
      throw new ConfigError([{ field: 'CARD_TOKEN_ACTIVE_KEY', problem: 'must name one of the keys in CARD_TOKEN_KEYS' }]);
    }
    this.activeKeyId = active;
    this.#secrets = new Map(keys.map((k) => [k.id, createSecretKey(k.secret)]));
  }

  get keyIds(): readonly string[] {
    return [...this.#secrets.keys()];
  }

  /** The token, key id, BIN and last four that replace `cardNumber`; the caller has validated it. */
  tokenize(cardNumber: string): CardToken {
    return {
      card_token: this.tokenWith(this.activeKeyId, cardNumber),
      card_key_id: this.activeKeyId,
      card_bin: cardBin(cardNumber),
      card_last4: cardLast4(cardNumber),
    };
  }

  /** The token under a given key: to check old tokens, or to re-key a lookup during a rotation. */
  tokenWith(keyId: string, cardNumber: string): string {
    const secret = this.#secrets.get(keyId);
    if (!secret) throw new NotFoundError('card-token key', `key id "${keyId}" is not configured`);
    return createHmac('sha256', secret).update(cardNumber, 'utf8').digest('hex');
  }

  /** Constant-time check that `token` is the token of `cardNumber` under `keyId`; false for unknown keys. */
  verify(cardNumber: string, token: string, keyId: string): boolean {
    if (!this.#secrets.has(keyId)) return false;
    const expected = Buffer.from(this.tokenWith(keyId, cardNumber), 'utf8');
    const given = Buffer.from(token, 'utf8');
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
