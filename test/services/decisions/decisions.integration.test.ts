/**
 * POST /v1/decisions against the real Kafka, registry and Redis, as users run it (the decisions process
 * as a child): answers, recording once on valid, enriched and scored, idempotent retries, kill -9 right
 * after answering, and the stream dropping a transaction the API already decided.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIdempotentProducer, isFusedOutput, sendRecords } from '@riskstream/shared';
import { readTopic } from '../../support/integration.ts';
import { redisEntries } from '../../support/redis-keys.ts';
import { waitFor } from '../../support/child-service.ts';
import { removeScrapeTarget, writeScrapeTarget } from '../../../cli/src/services/service-processes.ts';
import { StackDir } from '../../../cli/src/stack/stack-dir.ts';
import { allQueries } from '../../grafana/dashboard-queries.ts';
import { promQuery, stack } from '../../support/loop-harness.ts';
import { decisionsEnv, mapConcurrent, postDecision, rawTransactions, trainedRegistry, type DecisionsEnv } from './decisions-support.ts';

const registry = await trainedRegistry();
test.after(() => registry.cleanup());

/** transaction_id -> decoded value, asserting each appears exactly once. */
async function onceEach(d: DecisionsEnv, topic: 'transactionsValid' | 'transactionsEnriched' | 'transactionsScored', n: number): Promise<Map<string, Record<string, unknown>>> {
  const msgs = await readTopic(d.env.kafka, d.env.names[topic], { count: n, timeoutMs: 60_000, settleMs: 2000 });
  const byId = new Map<string, Record<string, unknown>>();
  for (const m of msgs) {
    const v = (await d.env.codec.decode(topic, m.value)) as Record<string, unknown>;
    assert.ok(!byId.has(String(v['transaction_id'])), `${topic}: ${String(v['transaction_id'])} twice`);
    byId.set(String(v['transaction_id']), v);
    if (topic !== 'transactionsScored') assert.ok(isFusedOutput(m.headers), `${topic} records carry the fused header (split stages skip them)`);
  }
  assert.equal(msgs.length, n, `${topic}: ${msgs.length} records for ${n} decisions`);
  return byId;
}

function withoutLatency(body: Record<string, unknown>): Record<string, unknown> {
  const { latency_ms: _l, ...rest } = body;
  return rest;
}

test('integration: decisions: each answer recorded once on valid, enriched and scored; a retry answers the same and changes nothing', async (t) => {
  const d = await decisionsEnv('decisions', registry.dir);
  t.after(() => d.stop());
  const p = await d.start();
  const txs = rawTransactions(300);

  const answers = await mapConcurrent(txs, 16, (tx) => postDecision(p.url, tx));
  for (const [i, a] of answers.entries()) {
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(a.body['transaction_id'], txs[i]!['transaction_id']);
    assert.ok(['APPROVE', 'REVIEW', 'DECLINE'].includes(String(a.body['decision'])));
    assert.ok(Array.isArray(a.body['reasons']) && (a.body['reasons'] as unknown[]).length <= 3);
    assert.equal(a.body['model_name'], 'fraud');
    assert.equal(a.body['features_degraded'], false);
    assert.equal(a.body['card_last4'], String(txs[i]!['card_number']).slice(-4));
    assert.ok(!JSON.stringify(a.body).includes(String(txs[i]!['card_number'])), 'the answer never carries the card number');
  }

  const scored = await onceEach(d, 'transactionsScored', txs.length);
  await onceEach(d, 'transactionsValid', txs.length);
  await onceEach(d, 'transactionsEnriched', txs.length);
  for (const a of answers) {
    const s = scored.get(String(a.body['transaction_id']))!;
    assert.equal(s['score'], a.body['score'], 'the recorded score is the answered one');
    assert.equal(s['decision'], a.body['decision']);
    assert.equal(s['model_version'], a.body['model_version']);
  }

  // The model alone, over both serving protocols, on the features the decisions used: the same scores.
  const enriched = await onceEach(d, 'transactionsEnriched', txs.length);
  const sample = answers.slice(0, 20).map((a) => ({ id: String(a.body['transaction_id']), score: Number(a.body['score']), version: Number(a.body['model_version']) }));
  const features = sample.map((s) => enriched.get(s.id)!['features'] as Record<string, number>);
  const names = Object.keys(features[0]!);
  const infer = await fetch(`${p.url}/v2/models/fraud/versions/${sample[0]!.version}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'parity', inputs: names.map((n) => ({ name: n, shape: [features.length, 1], datatype: 'FP64', data: features.map((f) => (Number.isNaN(f[n]) ? null : f[n])) })) }),
  });
  assert.equal(infer.status, 200, await infer.clone().text());
  const oip = (await infer.json()) as { id: string; outputs: { name: string; data: number[] }[] };
  assert.equal(oip.id, 'parity');
  const mlflow = await fetch(`${p.url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dataframe_records: features }) });
  assert.equal(mlflow.status, 200, await mlflow.clone().text());
  const predictions = ((await mlflow.json()) as { predictions: number[] }).predictions;
  sample.forEach((s, i) => {
    assert.ok(Math.abs(oip.outputs[0]!.data[i]! - s.score) <= 1e-6, `OIP ${oip.outputs[0]!.data[i]} vs decision ${s.score}`);
    assert.ok(Math.abs(predictions[i]! - s.score) <= 1e-6, `MLflow ${predictions[i]} vs decision ${s.score}`);
  });

  // Retries: same answers, no state change in Redis, nothing new downstream.
  const before = await redisEntries(`${d.redisPrefix}f:`);
  const again = await mapConcurrent(txs.slice(0, 100), 16, (tx) => postDecision(p.url, tx));
  again.forEach((a, i) => assert.deepEqual(withoutLatency(a.body), withoutLatency(answers[i]!.body)));
  assert.deepEqual(await redisEntries(`${d.redisPrefix}f:`), before, 'retries change no feature state');
  await onceEach(d, 'transactionsScored', txs.length);

  const metrics = await (await fetch(`${p.url}/metrics`)).text();
  assert.equal(/^decisions_replayed_total\{[^}]*\} (\d+)$/m.exec(metrics)?.[1], '100');
});

test('integration: decisions: a transaction the stream took first is refused with 409', async (t) => {
  const d = await decisionsEnv('decisions-dup', registry.dir);
  t.after(() => d.stop());
  const p = await d.start();
  const [tx] = rawTransactions(1, 21);
  // Claim the id the way ingest does for a raw record: through the dedup markers, at raw coordinates.
  const producer = createIdempotentProducer(d.env.kafka);
  await producer.connect();
  await sendRecords(producer, d.env.codec, [{ topic: 'transactionsRaw', key: String(tx!['card_number']), value: Buffer.from(JSON.stringify(tx)) }]);
  await producer.disconnect();
  const fused = (await import('../../support/child-service.ts')).startChild('services/fused/src/main.ts', { ...d.childEnv, HTTP_PORT: '0', INSTANCE_ID: 'fused' });
  t.after(async () => {
    fused.child.kill('SIGTERM');
    await fused.exited();
  });
  await readTopic(d.env.kafka, d.env.names.transactionsScored, { count: 1, timeoutMs: 90_000, settleMs: 0 });
  const r = await postDecision(p.url, tx);
  assert.equal(r.status, 409, JSON.stringify(r.body));
  assert.equal(r.body['error'], 'DUPLICATE_TRANSACTION');
});

test('integration: decisions: kill -9 right after answering loses no recorded decision and duplicates none', async (t) => {
  const d = await decisionsEnv('decisions-kill', registry.dir);
  t.after(() => d.stop());
  const first = await d.start();
  const txs = rawTransactions(400, 31);
  const answered: Record<string, unknown>[] = [];
  let killed = false;
  await mapConcurrent(txs, 8, async (tx) => {
    if (killed) return;
    const r = await postDecision(first.url, tx).catch(() => null);
    if (r?.status === 200) answered.push(r.body);
    if (!killed && answered.length >= 150) {
      killed = true;
      first.child.child.kill('SIGKILL');
    }
  });
  await first.child.exited();
  t.diagnostic(`${answered.length} decisions answered before kill -9`);
  // The restarted process (same instance id) relays whatever the dead one left in the outbox: every
  // answered decision reaches scored without any client retry (some unanswered ones may too: they were
  // recorded, but the answer never left).
  const second = await d.start();
  const answeredIds = new Set(answered.map((a) => String(a['transaction_id'])));
  await waitFor('the answered decisions on scored', async () => {
    const msgs = await readTopic(d.env.kafka, d.env.names.transactionsScored, { count: answered.length, timeoutMs: 5000, settleMs: 500 });
    const ids = await Promise.all(msgs.map(async (m) => ((await d.env.codec.decode('transactionsScored', m.value)) as { transaction_id: string }).transaction_id));
    return [...answeredIds].every((id) => ids.includes(id));
  }, 90_000, 1000);
  const retried = await mapConcurrent(txs, 8, (tx) => postDecision(second.url, tx));
  for (const r of retried) assert.equal(r.status, 200, JSON.stringify(r.body));
  const byId = new Map(retried.map((r) => [String(r.body['transaction_id']), r.body]));
  for (const a of answered) assert.deepEqual(withoutLatency(byId.get(String(a['transaction_id']))!), withoutLatency(a), 'a retry after the crash answers what was answered before');
  const scored = await onceEach(d, 'transactionsScored', txs.length);
  for (const a of answered) assert.equal(scored.get(String(a['transaction_id']))?.['score'], a['score']);
  await onceEach(d, 'transactionsValid', txs.length);
  await onceEach(d, 'transactionsEnriched', txs.length);
});

test('integration: decisions: the pipeline dashboard\'s Decision API panels have series from a scraped decisions process', async (t) => {
  const d = await decisionsEnv('decisions-dash', registry.dir);
  t.after(() => d.stop());
  const p = await d.start();
  const stackDir = new StackDir(stack.stackDir);
  const replica = `decisions-dash-${Date.now().toString(36)}`;
  writeScrapeTarget(stackDir, replica, Number(new URL(p.url).port));
  t.after(() => removeScrapeTarget(stackDir, replica));
  const txs = rawTransactions(40, 61);
  const deadline = Date.now() + 60_000;
  // Traffic across several scrapes, so rates over the dashboards' 1 m window have two samples.
  while (Date.now() < deadline && (await promQuery(`up{replica="${replica}"}`)).length === 0) await mapConcurrent(txs.splice(0, 2), 2, (tx) => postDecision(p.url, tx));
  await new Promise((r) => setTimeout(r, 12_000));
  await mapConcurrent(txs, 4, (tx) => postDecision(p.url, tx));
  await new Promise((r) => setTimeout(r, 6_000));
  const decisionPanels = allQueries().filter((q) => q.kind === 'dashboard-panel' && q.title.startsWith('Decision API'));
  assert.ok(decisionPanels.length >= 3, 'the Decision API row exists');
  const empty: string[] = [];
  for (const q of decisionPanels) if ((await promQuery(q.expr)).length === 0) empty.push(`${q.title}: ${q.expr}`);
  assert.deepEqual(empty, []);
});
