import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AppError, BearerKeys, type SecretKey } from '@riskstream/shared';
import type { AlertSource } from './webhook-payload.ts';

export { checkSecretKeys, parseSecretKeys, MIN_SECRET_CHARS, SECRET_KEYS_FORMAT, type SecretKey } from '@riskstream/shared';

/**
 * Who may post alerts. Alertmanager authenticates with a bearer token
 * (webhook_configs[].http_config.authorization); Grafana signs the body with HMAC-SHA256 (contact point
 * hmacConfig). Grafana's signer (grafana/alerting http/hmac.go) writes hex(HMAC-SHA256(secret,
 * "<unix seconds>:<body>")) into the signature header and the seconds into the timestamp header when one
 * is configured; without a timestamp header it signs the body alone, which a recorded request could
 * replay forever, so here the timestamp is required.
 *
 * Several keys may be valid at once (rotation: add the new key, switch the sender, drop the old key).
 * Every comparison is constant-time and every key is tried, so timing tells neither whether a prefix
 * matched nor which key did. Errors name a reason, never a secret or the presented credential.
 */

export type AuthFailureReason =
  | 'not_configured'
  | 'missing_credentials'
  | 'malformed_credentials'
  | 'wrong_credentials'
  | 'malformed_timestamp'
  | 'stale_timestamp'
  | 'future_timestamp';

const REASON_TEXT: Record<AuthFailureReason, string> = {
  not_configured: 'no credentials are configured for this source; every request is refused',
  missing_credentials: 'the request carries no credentials',
  malformed_credentials: 'the credentials are malformed',
  wrong_credentials: 'the credentials match no configured key',
  malformed_timestamp: 'the signature timestamp is not Unix seconds',
  stale_timestamp: 'the signature timestamp is too old',
  future_timestamp: 'the signature timestamp is too far in the future',
};

export class WebhookAuthError extends AppError {
  readonly reason: AuthFailureReason;
  readonly source: AlertSource;
  constructor(source: AlertSource, reason: AuthFailureReason) {
    super('UNAUTHORIZED', `${source}: ${REASON_TEXT[reason]}`);
    this.source = source;
    this.reason = reason;
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Verifies the credentials of one webhook request. */
export interface WebhookAuthenticator {
  readonly source: AlertSource;
  /** Checks what the headers alone can tell, so a bad request is refused before its body is read. */
  precheck(headers: IncomingHttpHeaders): void;
  /** Full verification; returns the id of the key that matched. Throws WebhookAuthError. */
  verify(headers: IncomingHttpHeaders, body: Buffer): string;
}

export class BearerTokenAuthenticator implements WebhookAuthenticator {
  readonly source: AlertSource;
  readonly #keys: BearerKeys;

  constructor(source: AlertSource, keys: readonly SecretKey[]) {
    this.source = source;
    this.#keys = new BearerKeys(keys);
  }

  precheck(headers: IncomingHttpHeaders): void {
    this.verify(headers);
  }

  verify(headers: IncomingHttpHeaders): string {
    const m = this.#keys.match(headers);
    if (!m.ok) throw new WebhookAuthError(this.source, m.reason);
    return m.keyId;
  }
}

export interface GrafanaSignatureOptions {
  readonly keys: readonly SecretKey[];
  readonly signatureHeader: string;
  readonly timestampHeader: string;
  readonly maxAgeSeconds: number;
  readonly maxFutureSeconds: number;
  /** epoch ms */
  readonly now: () => number;
}

/** The signature Grafana sends: hex(HMAC-SHA256(secret, "<timestamp>:<body>")). */
export function grafanaSignature(secret: string | Buffer, timestamp: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}:`).update(body).digest('hex');
}

export class GrafanaSignatureAuthenticator implements WebhookAuthenticator {
  readonly source: AlertSource = 'grafana';
  readonly #o: GrafanaSignatureOptions;

  constructor(options: GrafanaSignatureOptions) {
    this.#o = options;
  }

  precheck(headers: IncomingHttpHeaders): void {
    this.#credentials(headers);
  }

  verify(headers: IncomingHttpHeaders, body: Buffer): string {
    const { signature, timestamp } = this.#credentials(headers);
    let matched: string | undefined;
    for (const k of this.#o.keys) {
      const expected = createHmac('sha256', k.secret).update(`${timestamp}:`).update(body).digest();
      if (timingSafeEqual(expected, signature) && matched === undefined) matched = k.id;
    }
    if (matched === undefined) throw new WebhookAuthError(this.source, 'wrong_credentials');
    return matched;
  }

  #credentials(headers: IncomingHttpHeaders): { signature: Buffer; timestamp: string } {
    if (this.#o.keys.length === 0) throw new WebhookAuthError(this.source, 'not_configured');
    const sig = header(headers, this.#o.signatureHeader)?.trim();
    const ts = header(headers, this.#o.timestampHeader)?.trim();
    if (!sig || !ts) throw new WebhookAuthError(this.source, 'missing_credentials');
    if (!/^[0-9a-fA-F]{64}$/.test(sig)) throw new WebhookAuthError(this.source, 'malformed_credentials');
    if (!/^\d{1,12}$/.test(ts)) throw new WebhookAuthError(this.source, 'malformed_timestamp');
    const ageSeconds = this.#o.now() / 1000 - Number(ts);
    if (ageSeconds > this.#o.maxAgeSeconds) throw new WebhookAuthError(this.source, 'stale_timestamp');
    if (-ageSeconds > this.#o.maxFutureSeconds) throw new WebhookAuthError(this.source, 'future_timestamp');
    // The timestamp is signed as sent: "0123" and "123" are different messages.
    return { signature: Buffer.from(sig, 'hex'), timestamp: ts };
  }
}
