/**
 * A transaction gets the same answer whichever way it enters: the same events, each way from fresh state
 * (own namespace and Redis prefixes), through POST /v1/decisions, through Kafka (the fused pipeline) and
 * through `riskstream score` on a file, give the same scores (max difference 1e-6) and decisions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdempotentProducer, sendRecords } from '@riskstream/shared';
import { readTopic } from '../../support/integration.ts';
import { ROOT, startChild } from '../../support/child-service.ts';
import { decisionsEnv, postDecision, rawTransactions, trainedRegistry } from './decisions-support.ts';

const N = 400;
const registry = await trainedRegistry();
const work = await mkdtemp(join(tmpdir(), 'rs-entry-parity-'));
test.after(async () => {
  await registry.cleanup();
  await rm(work, { recursive: true, force: true });
});

/** In event-time order: the feature windows depend on it, and each path sees the events in this order. */
// A small population over days, so most cards and terminals have history and the windows matter.
const txs = rawTransactions(N, 71, { nCustomers: 100, nTerminals: 200, nbDays: 10 }).sort((a, b) => Number(a['event_time']) - Number(b['event_time']));

interface Scored {
  readonly score: number;
  readonly decision: string;
}

async function viaDecisions(): Promise<Map<string, Scored>> {
  const d = await decisionsEnv('parity-api', registry.dir);
  try {
    const p = await d.start();
    const out = new Map<string, Scored>();
    for (const tx of txs) {
      const r = await postDecision(p.url, tx);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      out.set(String(r.body['transaction_id']), { score: Number(r.body['score']), decision: String(r.body['decision']) });
    }
    return out;
  } finally {
    await d.stop();
  }
}

async function viaKafka(): Promise<Map<string, Scored>> {
  const d = await decisionsEnv('parity-stream', registry.dir);
  const fused = startChild('services/fused/src/main.ts', { ...d.childEnv, HTTP_PORT: '0', INSTANCE_ID: 'fused' });
  try {
    const producer = createIdempotentProducer(d.env.kafka);
    await producer.connect();
    await sendRecords(producer, d.env.codec, txs.map((tx) => ({ topic: 'transactionsRaw', key: String(tx['card_number']), value: Buffer.from(JSON.stringify(tx)) })));
    await producer.disconnect();
    const msgs = await readTopic(d.env.kafka, d.env.names.transactionsScored, { count: N, timeoutMs: 120_000, settleMs: 1000 });
    const out = new Map<string, Scored>();
    for (const m of msgs) {
      const v = (await d.env.codec.decode('transactionsScored', m.value)) as { transaction_id: string; score: number; decision: string };
      out.set(v.transaction_id, { score: v.score, decision: v.decision });
    }
    return out;
  } finally {
    fused.child.kill('SIGTERM');
    await fused.exited();
    await d.stop();
  }
}

async function viaFile(): Promise<Map<string, Scored>> {
  const input = join(work, 'raw.jsonl');
  const output = join(work, 'scored.jsonl');
  await writeFile(input, txs.map((tx) => JSON.stringify(tx)).join('\n') + '\n');
  const r = spawnSync(process.execPath, [join(ROOT, 'cli/bin/riskstream.ts'), 'score', '--in', input, '--out', output, '--registry', registry.dir, '--quiet'], { encoding: 'utf8', cwd: ROOT });
  assert.equal(r.status, 0, r.stderr);
  const out = new Map<string, Scored>();
  for (const line of (await readFile(output, 'utf8')).split('\n').filter(Boolean)) {
    const v = JSON.parse(line) as { transaction_id: string; score: number; decision: string };
    out.set(v.transaction_id, { score: v.score, decision: v.decision });
  }
  return out;
}

test('integration: the same events score the same via POST /v1/decisions, via Kafka and via riskstream score', async (t) => {
  const api = await viaDecisions();
  const stream = await viaKafka();
  const file = await viaFile();
  for (const [name, m] of [['decisions', api], ['kafka', stream], ['score', file]] as const) assert.equal(m.size, N, `${name}: every event scored once`);
  let maxDiff = 0;
  const disagreements: string[] = [];
  for (const tx of txs) {
    const id = String(tx['transaction_id']);
    const [a, s, f] = [api.get(id)!, stream.get(id)!, file.get(id)!];
    maxDiff = Math.max(maxDiff, Math.abs(a.score - s.score), Math.abs(a.score - f.score), Math.abs(s.score - f.score));
    if (a.decision !== s.decision || a.decision !== f.decision) disagreements.push(`${id}: ${a.decision} / ${s.decision} / ${f.decision}`);
  }
  t.diagnostic(`max |score difference| across the three entries: ${maxDiff.toExponential(2)}`);
  // The check means something only if history moved the scores: many distinct scores, not one default.
  const distinct = new Set([...api.values()].map((v) => v.score)).size;
  t.diagnostic(`${distinct} distinct scores; event times ${new Date(Number(txs[0]!['event_time'])).toISOString()} .. ${new Date(Number(txs.at(-1)!['event_time'])).toISOString()}`);
  assert.ok(distinct > N / 4, `${distinct} distinct scores of ${N}`);
  assert.ok(maxDiff <= 1e-6, `max difference ${maxDiff}`);
  assert.deepEqual(disagreements, []);
});
