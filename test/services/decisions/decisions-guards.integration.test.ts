/**
 * The decision API's guards against the real stack: bearer keys (two, for rotation), body size, a slow
 * client cut by the header timeout, 429 when saturated, and the Redis policies with Redis stopped (a
 * Redis server of the test's own, so the shared one keeps running).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { freePort, waitFor } from '../../support/child-service.ts';
import { apiKey, decisionsEnv, postDecision, rawTransactions, trainedRegistry } from './decisions-support.ts';

const registry = await trainedRegistry();
test.after(() => registry.cleanup());

function metricValue(text: string, name: string): number {
  return Number(new RegExp(`^${name}\\{[^}]*\\} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? 0);
}

test('integration: decisions: bearer keys, body limit, slow client, saturation', async (t) => {
  const [k1, k2] = [apiKey(), apiKey()];
  const d = await decisionsEnv('decisions-guards', registry.dir, {
    DECISIONS_API_KEYS: `old:${k1},new:${k2}`,
    DECISIONS_MAX_BODY_BYTES: '2048',
    DECISIONS_MAX_IN_FLIGHT: '1',
    HTTP_HEADERS_TIMEOUT_MS: '500',
    HTTP_REQUEST_TIMEOUT_MS: '1000',
  });
  t.after(() => d.stop());
  const p = await d.start();
  const [a, b] = rawTransactions(2, 41);

  const none = await postDecision(p.url, a);
  assert.equal(none.status, 401);
  assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
  assert.equal((await postDecision(p.url, a, { authorization: `Bearer ${k1}x` })).status, 401, 'a wrong key');
  assert.equal((await postDecision(p.url, a, { authorization: `Bearer ${k1}` })).status, 200, 'the old key during rotation');
  assert.equal((await postDecision(p.url, b, { authorization: `Bearer ${k2}` })).status, 200, 'the new key');
  assert.equal((await fetch(`${p.url}/v2/health/live`)).status, 200, 'liveness needs no key');

  const auth = { authorization: `Bearer ${k2}` };
  const big = await postDecision(p.url, { ...a, transaction_id: 'big', padding: 'x'.repeat(4096) }, auth);
  assert.equal(big.status, 413);
  const bad = await postDecision(p.url, { ...a, transaction_id: 'neg', amount: -3 }, auth);
  assert.equal(bad.status, 400);
  assert.equal(bad.body['error'], 'VALIDATION_FAILED');
  assert.equal(typeof bad.body['reason'], 'string');
  assert.equal((await postDecision(p.url, '{"oops', auth)).status, 400);

  // A client that sends part of its headers and stops is cut off by the header timeout.
  const port = Number(new URL(p.url).port);
  const slow = connect(port, '127.0.0.1');
  await once(slow, 'connect');
  let answered = '';
  slow.on('data', (chunk: Buffer) => (answered += chunk.toString()));
  slow.write('POST /v1/decisions HTTP/1.1\r\nHost: x\r\n');
  const started = Date.now();
  await Promise.race([once(slow, 'close'), new Promise((_, reject) => setTimeout(() => reject(new Error('slow client still connected after 5 s')), 5000))]);
  t.diagnostic(`slow client cut after ${Date.now() - started} ms`);
  assert.match(answered, /^HTTP\/1\.1 408/);

  // Saturation: one request held open (body never finished) takes the only slot; the next gets 429.
  const holder = connect(port, '127.0.0.1');
  await once(holder, 'connect');
  holder.write(`POST /v1/decisions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${k2}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"transaction_id":`);
  await new Promise((r) => setTimeout(r, 200));
  const busy = await postDecision(p.url, { ...a, transaction_id: 'busy' }, auth);
  assert.equal(busy.status, 429);
  assert.equal(busy.headers.get('retry-after'), '1');
  holder.destroy();

  const metrics = await (await fetch(`${p.url}/metrics`, { headers: auth })).text();
  assert.equal(metricValue(metrics, 'decisions_auth_failures_total'), 1, 'one wrong key counted (missing credentials counted apart)');
});

async function startRedis(port: number) {
  const child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], { stdio: 'ignore' });
  await waitFor('test redis', async () => {
    const s = connect(port, '127.0.0.1');
    return new Promise<boolean>((resolve) => s.once('connect', () => (s.destroy(), resolve(true))).once('error', () => resolve(false)));
  }, 10_000, 100);
  return child;
}

for (const policy of ['fail-closed', 'fail-open'] as const) {
  test(`integration: decisions: Redis stopped, ${policy}`, async (t) => {
    const redisPort = await freePort();
    let redis = await startRedis(redisPort);
    const d = await decisionsEnv(`decisions-${policy}`, registry.dir, { REDIS_URL: `redis://127.0.0.1:${redisPort}`, DECISIONS_REDIS_POLICY: policy, DECISIONS_REDIS_TIMEOUT_MS: '100' });
    t.after(async () => {
      redis.kill('SIGKILL');
      await d.stop().catch(() => undefined);
    });
    const p = await d.start();
    const txs = rawTransactions(4, 51);
    assert.equal((await postDecision(p.url, txs[0])).status, 200);

    redis.kill('SIGSTOP');
    const stopped = await postDecision(p.url, txs[1]);
    if (policy === 'fail-closed') {
      assert.equal(stopped.status, 503, JSON.stringify(stopped.body));
      assert.equal(stopped.headers.get('retry-after'), '1');
    } else {
      assert.equal(stopped.status, 200, JSON.stringify(stopped.body));
      assert.equal(stopped.body['features_degraded'], true);
      const metrics = await (await fetch(`${p.url}/metrics`)).text();
      assert.equal(metricValue(metrics, 'decisions_features_degraded_total'), 1);
    }
    redis.kill('SIGKILL');
    await once(redis, 'exit');
    // Back with empty memory: decisions resume.
    redis = await startRedis(redisPort);
    await waitFor('decisions after Redis restart', async () => (await postDecision(p.url, txs[2])).status === 200, 20_000, 500);
    if (policy === 'fail-open') {
      // The degraded decision was recorded like any other, marked as such.
      const { readTopic } = await import('../../support/integration.ts');
      const msgs = await readTopic(d.env.kafka, d.env.names.transactionsScored, { count: 3, timeoutMs: 30_000, settleMs: 1000 });
      const values = await Promise.all(msgs.map(async (m) => (await d.env.codec.decode('transactionsScored', m.value)) as Record<string, unknown>));
      assert.equal(values.find((v) => v['transaction_id'] === txs[1]!['transaction_id'])?.['features_degraded'], true);
    }
  });
}
