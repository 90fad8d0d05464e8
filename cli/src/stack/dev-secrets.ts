import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackDir } from './stack-dir.ts';

/**
 * The dev stack's secrets: generated once per stack directory and kept in <stack>/secrets (0700/0600), so
 * they survive restarts and never enter a rendered config or the repository. Production passes the same
 * values from its secret store (k8s/ Secret) through the environment instead.
 */
export const DEV_SECRETS = Object.freeze({
  /** id:base64 key: ingest's HMAC key for card tokens (CARD_TOKEN_KEYS). */
  cardTokenKeys: { file: 'card-token-keys', generate: () => `dev1:${randomBytes(32).toString('base64')}` },
  /** Alertmanager reads it via credentials_file; the alert receiver checks it (ALERTMANAGER_BEARER_TOKENS). */
  alertmanagerWebhookToken: { file: 'alertmanager-webhook-token', generate: () => randomBytes(32).toString('base64url') },
  /** Grafana's webhook contact point signs with it; the alert receiver verifies (GRAFANA_WEBHOOK_HMAC_SECRETS). */
  grafanaWebhookHmacSecret: { file: 'grafana-webhook-hmac-secret', generate: () => randomBytes(32).toString('base64url') },
});

export type DevSecretName = keyof typeof DEV_SECRETS;

export function devSecretsDir(dir: StackDir): string {
  return join(dir.root, 'secrets');
}

export function devSecret(dir: StackDir, name: DevSecretName): string {
  const secretsDir = devSecretsDir(dir);
  const file = join(secretsDir, DEV_SECRETS[name].file);
  if (!existsSync(file)) {
    mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, DEV_SECRETS[name].generate(), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

/** The alert receiver's environment for the dev stack's Alertmanager and Grafana credentials. */
export function alertReceiverDevEnv(dir: StackDir): Record<string, string> {
  return {
    ALERTMANAGER_BEARER_TOKENS: `dev:${devSecret(dir, 'alertmanagerWebhookToken')}`,
    GRAFANA_WEBHOOK_HMAC_SECRETS: `dev:${devSecret(dir, 'grafanaWebhookHmacSecret')}`,
  };
}
