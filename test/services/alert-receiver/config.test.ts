import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, describeConfig, loadConfig } from '@riskstream/shared';
import { alertReceiverConfigSchema, checkAlertReceiverConfig } from '../../../services/alert-receiver/src/config.ts';

const load = (env: Record<string, string>) => loadConfig(alertReceiverConfigSchema, env, checkAlertReceiverConfig);

test('defaults: port 8090, Grafana header names, 5 minute signature age, 30 minute cooldown, drift monitor on 8094', () => {
  const c = load({});
  assert.equal(c.httpPort, 8090);
  assert.equal(c.grafanaSignatureHeader, 'X-Grafana-Alerting-Signature');
  assert.equal(c.grafanaTimestampHeader, 'X-Grafana-Alerting-Timestamp');
  assert.equal(c.grafanaMaxAgeSeconds, 300);
  assert.equal(c.cooldownSeconds, 1800);
  assert.equal(c.driftMonitorUrl, 'http://127.0.0.1:8094');
  assert.equal(c.alertmanagerBearerTokens, undefined);
});

test('bad key lists and inconsistent timeouts are reported together, without the secrets', () => {
  try {
    load({
      ALERTMANAGER_BEARER_TOKENS: 'am1:tooshort',
      GRAFANA_WEBHOOK_HMAC_SECRETS: 'no-id-here-0123456789',
      ALERT_RECEIVER_CLAIM_TTL_SECONDS: '10',
      ALERT_RECEIVER_PUBLISH_TIMEOUT_MS: '15000',
    });
    assert.fail('expected a ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.issues.map((i) => i.field), ['ALERTMANAGER_BEARER_TOKENS', 'GRAFANA_WEBHOOK_HMAC_SECRETS', 'ALERT_RECEIVER_CLAIM_TTL_SECONDS']);
    assert.ok(!err.message.includes('tooshort') && !err.message.includes('no-id-here'));
  }
});

test('--help text documents the secrets and shows no secret default', () => {
  const text = describeConfig(alertReceiverConfigSchema);
  assert.match(text, /ALERTMANAGER_BEARER_TOKENS +bearer tokens .*<id>:<secret>/);
  assert.match(text, /GRAFANA_WEBHOOK_HMAC_SECRETS +HMAC-SHA256 secrets/);
});
