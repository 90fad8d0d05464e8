/**
 * Rebalancing and zombies, in both topologies, against the real Kafka, registry and Redis: 3 members
 * per stage; mid-stream one member joins, one leaves (SIGTERM), and one is paused (SIGSTOP) past its
 * session timeout with uncommitted work, then resumed. The zombie's late commit must be refused
 * (KIP-447 generation fencing): had it landed, the member that took its partitions over and reprocessed
 * them from the committed offsets would show as duplicates. Checked on read_committed output: every
 * event scored once, valid and enriched once, and each card's events in their input order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createIdempotentProducer, sendRecords, type OutputRecord } from '@riskstream/shared';
import { luhnCheckDigit, ModelRegistry, simulate, simulatedTrainingData, trainModel } from '@riskstream/training';
import { integrationEnv, readTopic, uniqueId, type IntegrationEnv, type ReadMessage } from '../support/integration.ts';
import { startChild, waitFor, type ChildService } from '../support/child-service.ts';
import { pipelineEnv } from '../support/pipeline-env.ts';
import { deleteRedisKeys } from '../support/redis-keys.ts';

const EVENTS = 100_000;
const CARDS = 3000;
const RATE = 2500;
const SESSION_MS = 10_000;

const ENTRIES = {
  ingest: 'services/ingest/src/main.ts',
  features: 'services/features/src/main.ts',
  scoring: 'services/scoring/src/main.ts',
  fused: 'services/fused/src/main.ts',
} as const;
type Stage = keyof typeof ENTRIES;
const STAGES: Record<'split' | 'fused', readonly Stage[]> = { split: ['ingest', 'features', 'scoring'], fused: ['fused'] };
/** The stage whose member is paused: it holds uncommitted work from the pause to its resumption. */
const ZOMBIE_STAGE: Record<'split' | 'fused', Stage> = { split: 'features', fused: 'fused' };

/** Synthetic raw transactions: CARDS cards, event time increasing, so each card's order is its input order. */
function stream(run: string): Array<Record<string, unknown>> {
  const cards = Array.from({ length: CARDS }, (_, i) => {
    const payload = `4${String(100000000000000 + i * 7919).slice(-14)}`;
    return `${payload}${luhnCheckDigit(payload)}`;
  });
  const start = Date.UTC(2026, 0, 5);
  return Array.from({ length: EVENTS }, (_, i) => ({
    transaction_id: `${run}-${i}`,
    card_number: cards[(i * 7) % CARDS]!,
    customer_id: `c-${(i * 7) % CARDS}`,
    terminal_id: `t-${i % 997}`,
    amount: 1 + ((i * 37) % 500),
    currency: 'EUR',
    channel: 'pos',
    event_time: start + i * 1000,
  }));
}

class Members {
  readonly #children = new Map<string, ChildService>();
  readonly #env: Record<string, string>;
  constructor(env: Record<string, string>) {
    this.#env = env;
  }
  start(stage: Stage, member: number, extra: Record<string, string> = {}): ChildService {
    const c = startChild(ENTRIES[stage], { ...this.#env, INSTANCE_ID: `${stage}-${member}`, ...extra });
    this.#children.set(`${stage}-${member}`, c);
    return c;
  }
  get(name: string): ChildService {
    return this.#children.get(name)!;
  }
  async stop(name: string): Promise<void> {
    const c = this.#children.get(name)!;
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGTERM');
    await c.exited();
  }
  async stopAll(): Promise<void> {
    for (const name of this.#children.keys()) {
      this.#children.get(name)!.child.kill('SIGCONT');
      await this.stop(name);
    }
  }
}

async function produceAtRate(env: IntegrationEnv, values: Array<Record<string, unknown>>, onProgress: (sent: number) => Promise<void>): Promise<void> {
  const producer = createIdempotentProducer(env.kafka);
  await producer.connect();
  const slice = RATE / 10;
  const started = Date.now();
  for (let i = 0; i < values.length; i += slice) {
    const records: OutputRecord[] = values.slice(i, i + slice).map((v) => ({ topic: 'transactionsRaw', key: String(v['card_number']), value: Buffer.from(JSON.stringify(v)) }));
    await sendRecords(producer, env.codec, records);
    await onProgress(i + records.length);
    const due = started + ((i + slice) / RATE) * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
  }
  await producer.disconnect();
}

async function ids(env: IntegrationEnv, topic: 'transactionsValid' | 'transactionsEnriched' | 'transactionsScored', msgs: readonly ReadMessage[]): Promise<Array<{ id: string; card: string; partition: number }>> {
  const out: Array<{ id: string; card: string; partition: number }> = [];
  for (const m of msgs) {
    const v = (await env.codec.decode(topic, m.value)) as { transaction_id: string; card_token: string };
    out.push({ id: v.transaction_id, card: v.card_token, partition: m.partition });
  }
  return out;
}

const root = await mkdtemp(join(tmpdir(), 'rs-rebalance-'));
const registryDir = join(root, 'registry');
await trainModel(simulatedTrainingData({ seed: 11, simulation: simulate({ nCustomers: 600, nTerminals: 1200, nbDays: 30, seed: 11 }) }), {
  name: 'fraud',
  seed: 1,
  registry: await ModelRegistry.open(registryDir),
});
test.after(() => rm(root, { recursive: true, force: true }));

for (const topology of ['fused', 'split'] as const) {
  test(`integration: ${topology}: 3 members per stage, one joins, one leaves and a zombie is paused past its session (${EVENTS.toLocaleString('en')} events): 0 lost, 0 duplicates, per-card order kept`, async (t) => {
    const env = await integrationEnv(`rebalance-${topology}`);
    const redisPrefix = `t-${uniqueId()}:`;
    const members = new Members(pipelineEnv(env, registryDir, redisPrefix, SESSION_MS));
    t.after(async () => {
      await members.stopAll();
      await deleteRedisKeys(redisPrefix);
      await env.cleanup();
    });
    const zombieStage = ZOMBIE_STAGE[topology];
    for (const stage of STAGES[topology]) {
      for (let m = 0; m < 3; m++) {
        // The zombie commits rarely, so it surely holds uncommitted work when it is paused.
        members.start(stage, m, stage === zombieStage && m === 2 ? { COMMIT_INTERVAL_MS: '5000', COMMIT_MAX_RECORDS: '100000' } : {});
      }
    }
    const zombie = members.get(`${zombieStage}-2`);
    await waitFor('every member joined', () => STAGES[topology].every((s) => [0, 1, 2].every((m) => /joined group/.test(members.get(`${s}-${m}`).output()))), 120000, 500);

    const values = stream(`rb-${topology}-${uniqueId()}`);
    const events: string[] = [];
    let paused = false;
    await produceAtRate(env, values, async (sent) => {
      if (sent >= EVENTS * 0.2 && !events.includes('join')) {
        events.push('join');
        for (const stage of STAGES[topology]) members.start(stage, 3);
      }
      if (sent >= EVENTS * 0.4 && !events.includes('leave')) {
        events.push('leave');
        for (const stage of STAGES[topology]) void members.stop(`${stage}-1`);
      }
      if (sent >= EVENTS * 0.6 && !paused) {
        paused = true;
        events.push('pause');
        zombie.child.kill('SIGSTOP');
        // Resumed past its session timeout, while the stream still runs.
        setTimeout(() => {
          events.push('resume');
          zombie.child.kill('SIGCONT');
        }, SESSION_MS + 5000).unref();
      }
    });
    t.diagnostic(`events: ${events.join(', ')}`);
    await waitFor('zombie resumed', () => events.includes('resume'), 60000, 200);

    const expected = new Set(values.map((v) => String(v['transaction_id'])));
    for (const topic of ['transactionsValid', 'transactionsEnriched', 'transactionsScored'] as const) {
      const msgs = await readTopic(env.kafka, env.names[topic], { count: EVENTS, timeoutMs: 300000, settleMs: 5000 });
      const read = await ids(env, topic, msgs);
      const unique = new Set(read.map((r) => r.id));
      t.diagnostic(`${topic}: ${read.length} read, ${unique.size} unique`);
      assert.equal(unique.size, EVENTS, `${topic}: lost events`);
      assert.equal(read.length, EVENTS, `${topic}: duplicates`);
      assert.ok([...unique].every((id) => expected.has(id)));
      if (topic !== 'transactionsScored') continue;
      // Per card: one partition, and the events in their input (event-time) order.
      const byCard = new Map<string, Array<{ seq: number; partition: number }>>();
      for (const r of read) {
        const seq = Number(r.id.slice(r.id.lastIndexOf('-') + 1));
        let list = byCard.get(r.card);
        if (!list) byCard.set(r.card, (list = []));
        list.push({ seq, partition: r.partition });
      }
      let disorder = 0;
      for (const list of byCard.values()) {
        assert.equal(new Set(list.map((e) => e.partition)).size, 1, 'a card on one partition');
        for (let i = 1; i < list.length; i++) if (list[i]!.seq < list[i - 1]!.seq) disorder++;
      }
      assert.equal(disorder, 0, 'per-card order');
    }
    const zombieLog = zombie.output();
    const refused = /transaction of an earlier generation did not commit|transaction failed; settling it|work of an earlier generation dropped/.exec(zombieLog)?.[0];
    t.diagnostic(`zombie's stale work: ${refused ?? 'no trace'}`);
    assert.ok(refused, 'the zombie held stale work after its resumption, and it was refused or dropped');
  });
}
