/**
 * What authentication costs per webhook request: Grafana HMAC verification with two rotation keys (every
 * key is always tried) for a typical notification and for a body at the 1 MiB limit, and bearer-token
 * verification. Prints JSON.
 *
 *   node services/alert-receiver/bench/webhook-auth-bench.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BearerTokenAuthenticator, GrafanaSignatureAuthenticator, grafanaSignature, parseSecretKeys } from '../src/webhook-auth.ts';

const SECRET = 'bench-grafana-secret-0123456789';
const keys = parseSecretKeys(`old:bench-old-secret-0123456789,cur:${SECRET}`);
const now = Date.now();
const ts = String(Math.floor(now / 1000));
const grafana = new GrafanaSignatureAuthenticator({ keys, signatureHeader: 'X-Grafana-Alerting-Signature', timestampHeader: 'X-Grafana-Alerting-Timestamp', maxAgeSeconds: 300, maxFutureSeconds: 60, now: () => now });

function perSecond(run: () => void, minMs = 1000): { opsPerSecond: number; microsPerOp: number } {
  for (let i = 0; i < 200; i++) run();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    for (let i = 0; i < 50; i++) run();
    n += 50;
  }
  const ms = performance.now() - start;
  return { opsPerSecond: Math.round((n / ms) * 1000), microsPerOp: Number(((ms * 1000) / n).toFixed(2)) };
}

function hmacCase(body: Buffer) {
  const headers = { 'x-grafana-alerting-signature': grafanaSignature(SECRET, ts, body), 'x-grafana-alerting-timestamp': ts };
  return { bodyBytes: body.length, ...perSecond(() => grafana.verify(headers, body), body.length > 100_000 ? 2000 : 1000) };
}

const typical = readFileSync(join(import.meta.dirname, '..', '..', '..', 'test', 'services', 'alert-receiver', 'fixtures', 'grafana-12.json'));
const maxBody = Buffer.alloc(1024 * 1024, 'x');
const bearer = new BearerTokenAuthenticator('alertmanager', parseSecretKeys('old:bench-old-token-0123456789,cur:bench-current-token-0123456789'));
const bearerHeaders = { authorization: 'Bearer bench-current-token-0123456789' };

process.stdout.write(
  JSON.stringify(
    {
      benchmark: 'alert-receiver webhook authentication (2 keys configured)',
      grafanaHmacTypical: hmacCase(typical),
      grafanaHmacMaxBody: hmacCase(maxBody),
      bearer: perSecond(() => bearer.verify(bearerHeaders)),
    },
    null,
    2,
  ) + '\n',
);
