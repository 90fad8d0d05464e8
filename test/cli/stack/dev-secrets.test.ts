import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertReceiverDevEnv, devSecret, devSecretsDir } from '../../../cli/src/stack/dev-secrets.ts';
import { StackDir } from '../../../cli/src/stack/stack-dir.ts';

test('a dev secret is generated once, kept 0600 in <stack>/secrets, and stable across calls', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'rs-secrets-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = new StackDir(root);
  const a = devSecret(dir, 'alertmanagerWebhookToken');
  assert.ok(a.length >= 32, 'long enough for the receiver (>= 16 chars)');
  assert.equal(devSecret(dir, 'alertmanagerWebhookToken'), a);
  assert.notEqual(devSecret(dir, 'grafanaWebhookHmacSecret'), a, 'each secret is its own');
  assert.equal(statSync(join(devSecretsDir(dir), 'alertmanager-webhook-token')).mode & 0o777, 0o600);
  assert.equal(statSync(devSecretsDir(dir)).mode & 0o777, 0o700);
  const env = alertReceiverDevEnv(dir);
  assert.equal(env['ALERTMANAGER_BEARER_TOKENS'], `dev:${a}`);
  assert.match(env['GRAFANA_WEBHOOK_HMAC_SECRETS']!, /^dev:[A-Za-z0-9_-]{40,}$/);
});
