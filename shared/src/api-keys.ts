import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { ConfigIssue } from './errors.ts';
import { sendJson, type RouteHandler } from './http-server.ts';

/**
 * Bearer API keys for HTTP entrances (POST /transactions, POST /v1/decisions, the alert webhook).
 *
 * Several keys may be valid at once (rotation: add the new key, switch the clients, drop the old key).
 * Every comparison is constant-time over SHA-256 digests (equal lengths whatever the token lengths) and
 * every key is tried, so timing tells neither whether a prefix matched nor which key did. Failures name a
 * reason, never a secret or the presented credential.
 */

export const SECRET_KEYS_FORMAT = '<id>:<secret>[,<id>:<secret>...]';
const KEY_ID = /^[A-Za-z0-9_.-]{1,32}$/;
/** Shorter secrets are guessable; the senders take any length, so the limit is ours. */
export const MIN_SECRET_CHARS = 16;

export interface SecretKey {
  readonly id: string;
  readonly secret: Buffer;
}

export type BearerFailure = 'not_configured' | 'missing_credentials' | 'malformed_credentials' | 'wrong_credentials';

export type BearerMatch = { readonly ok: true; readonly keyId: string } | { readonly ok: false; readonly reason: BearerFailure };

function splitEntries(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Problems of a key list; the messages name entries by position and id, never by secret. */
export function checkSecretKeys(raw: string | undefined, env: string): ConfigIssue[] {
  if (raw === undefined) return [];
  const issues: ConfigIssue[] = [];
  const entries = splitEntries(raw);
  if (entries.length === 0) issues.push({ field: env, problem: `must list at least one ${SECRET_KEYS_FORMAT}` });
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    const at = entry.indexOf(':');
    const id = at < 0 ? '' : entry.slice(0, at);
    if (!KEY_ID.test(id)) {
      issues.push({ field: env, problem: `entry ${i + 1} must be <id>:<secret> with an id of letters, digits, '_', '.', '-' (at most 32)` });
      return;
    }
    if (seen.has(id)) issues.push({ field: env, problem: `key id "${id}" appears twice` });
    seen.add(id);
    if (entry.length - at - 1 < MIN_SECRET_CHARS) issues.push({ field: env, problem: `secret of key "${id}" must have at least ${MIN_SECRET_CHARS} characters` });
  });
  return issues;
}

/** Parses a list that passed checkSecretKeys; undefined = none configured. */
export function parseSecretKeys(raw: string | undefined): SecretKey[] {
  if (raw === undefined) return [];
  return splitEntries(raw).map((entry) => {
    const at = entry.indexOf(':');
    return { id: entry.slice(0, at), secret: Buffer.from(entry.slice(at + 1), 'utf8') };
  });
}

export class BearerKeys {
  readonly #digests: readonly { id: string; digest: Buffer }[];

  constructor(keys: readonly SecretKey[]) {
    this.#digests = keys.map((k) => ({ id: k.id, digest: sha256(k.secret) }));
  }

  get configured(): boolean {
    return this.#digests.length > 0;
  }

  match(headers: IncomingHttpHeaders): BearerMatch {
    if (this.#digests.length === 0) return { ok: false, reason: 'not_configured' };
    const raw = headers.authorization;
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined || value.trim() === '') return { ok: false, reason: 'missing_credentials' };
    const m = /^Bearer +(\S+) *$/i.exec(value);
    if (!m) return { ok: false, reason: 'malformed_credentials' };
    const presented = sha256(Buffer.from(m[1]!, 'utf8'));
    let matched: string | undefined;
    for (const k of this.#digests) if (timingSafeEqual(k.digest, presented) && matched === undefined) matched = k.id;
    return matched === undefined ? { ok: false, reason: 'wrong_credentials' } : { ok: true, keyId: matched };
  }
}

/**
 * A route that answers 401 (with WWW-Authenticate) unless the request carries one of the keys; with no
 * keys configured the route is open (the default for a local stack; production sets the keys). The body
 * of a refused request is not read: the connection is closed after the answer.
 */
export function requireBearer(keys: BearerKeys, route: RouteHandler, onRefused?: (reason: BearerFailure) => void): RouteHandler {
  if (!keys.configured) return route;
  return (req: IncomingMessage, res: ServerResponse) => {
    const m = keys.match(req.headers);
    if (m.ok) return route(req, res);
    onRefused?.(m.reason);
    res.setHeader('www-authenticate', 'Bearer realm="riskstream"');
    res.setHeader('connection', 'close');
    sendJson(res, 401, { error: 'UNAUTHORIZED', reason: m.reason });
    req.resume();
  };
}

function sha256(b: Buffer): Buffer {
  return createHash('sha256').update(b).digest();
}
