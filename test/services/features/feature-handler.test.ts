import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetricsRegistry, DependencyError, SOURCE_PARTITION_HEADER, type InputMessage } from '@riskstream/shared';
import type { PreState, StoreEvent, StoreLabel } from '@riskstream/shared/feature-store';
import { computeFeatures, FEATURE_NAMES, FEATURE_SET_VERSION, featureVectorToRecord } from '@riskstream/shared/features';
import { createFeatureHandler } from '../../../services/features/src/feature-handler.ts';
import { EventTimeWatermarks } from '../../../services/features/src/event-time-watermark.ts';
import { featuresMetrics } from '../../../services/features/src/features-metrics.ts';
import type { FeaturesInput, ValidTransaction } from '../../../services/features/src/input-records.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = 17_600 * DAY;

function tx(id: string, eventTime: number, terminal: string | null = 't1'): ValidTransaction {
  return {
    transaction_id: id,
    card_token: 'card-1',
    card_key_id: 'k',
    card_bin: '400000',
    card_last4: '0001',
    customer_id: null,
    terminal_id: terminal,
    amount: 12.5,
    currency: 'EUR',
    channel: null,
    event_time: eventTime,
    ingest_time: eventTime + 5,
  };
}

function message(value: FeaturesInput, offset: number, topic: 'transactionsValid' | 'transactionsLabels' = 'transactionsValid', source?: string): InputMessage<FeaturesInput> {
  const headers = source === undefined ? {} : { [SOURCE_PARTITION_HEADER]: Buffer.from(source) };
  return { topic, topicName: `ns.${topic}`, partition: 0, offset: String(offset), timestamp: '0', key: null, headers, raw: null, value };
}

/** Records what the handler asks of the store and answers a fixed pre-state. */
class FakeStore {
  events: StoreEvent[][] = [];
  labels: StoreLabel[][] = [];
  fail: Error | null = null;
  readonly pre: PreState = { status: 'applied', customer: [{ day: 17_600, count: 2, sumAmountCents: 3000, fraudCount: 0 }], terminal: [{ day: 17_590, count: 4, sumAmountCents: 0, fraudCount: 1 }] };
  async applyEvents(events: readonly StoreEvent[]): Promise<PreState[]> {
    if (this.fail) throw this.fail;
    this.events.push([...events]);
    return events.map((e) => (e.apply ? { ...this.pre, terminal: e.terminalId === null ? null : this.pre.terminal } : { ...this.pre, status: 'late' as const, terminal: e.terminalId === null ? null : this.pre.terminal }));
  }
  async applyLabels(labels: readonly StoreLabel[]) {
    this.labels.push([...labels]);
    return labels.map((_, i) => (i === 0 ? ('applied' as const) : ('duplicate' as const)));
  }
}

function setup(allowedLatenessMs = HOUR) {
  const store = new FakeStore();
  const registry = createMetricsRegistry('features-test', { defaultMetrics: false });
  const metrics = featuresMetrics(registry);
  const handler = createFeatureHandler({ store, watermarks: new EventTimeWatermarks(allowedLatenessMs), metrics });
  const signal = new AbortController().signal;
  const run = (msgs: InputMessage<FeaturesInput>[]) => handler(msgs, { heartbeat: async () => {}, signal });
  return { store, registry, run };
}

async function metric(registry: ReturnType<typeof createMetricsRegistry>, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
  return Number(v?.value ?? 0);
}

test('a transaction becomes an enriched record whose features are the shared module on the store pre-state', async () => {
  const { store, run } = setup();
  const t = tx('a', T0 + 10 * HOUR);
  const { outputs } = await run([message(t, 0)]);
  assert.deepEqual(store.events, [[{ transactionId: 'a', cardToken: 'card-1', terminalId: 't1', day: 17_600, cents: 1250, apply: true }]]);
  assert.equal(outputs.length, 1);
  const out = outputs[0]!;
  assert.equal(out.topic, 'transactionsEnriched');
  assert.equal(out.key, 'card-1');
  const expected = featureVectorToRecord(computeFeatures({ eventTimeMs: t.event_time, amount: t.amount }, store.pre.customer, store.pre.terminal));
  assert.deepEqual(out.value, {
    transaction_id: 'a',
    card_token: 'card-1',
    terminal_id: 't1',
    amount: 12.5,
    currency: 'EUR',
    channel: null,
    event_time: t.event_time,
    ingest_time: t.ingest_time,
    feature_set: FEATURE_SET_VERSION,
    features: expected,
  });
  assert.deepEqual(Object.keys((out.value as { features: object }).features), [...FEATURE_NAMES]);
});

test('a transaction without terminal gets NaN terminal features', async () => {
  const { run } = setup();
  const { outputs } = await run([message(tx('a', T0, null), 0)]);
  const f = (outputs[0]!.value as { features: Record<string, number> }).features;
  assert.ok(Number.isNaN(f['TERMINAL_ID_RISK_7DAY_WINDOW']));
  assert.equal(f['CUSTOMER_ID_NB_TX_1DAY_WINDOW'], 3);
});

test('events behind the partition watermark by more than the allowed lateness are sent unapplied and counted late', async () => {
  const { store, registry, run } = setup(HOUR);
  await run([message(tx('a', T0 + 5 * HOUR), 0), message(tx('b', T0 + 4.5 * HOUR), 1), message(tx('c', T0 + 3 * HOUR), 2)]);
  await run([message(tx('d', T0 + 3.5 * HOUR), 3)]);
  assert.deepEqual(store.events.flat().map((e) => [e.transactionId, e.apply]), [['a', true], ['b', true], ['c', false], ['d', false]]);
  assert.equal(await metric(registry, 'features_late_events_total'), 2);
  assert.equal(await metric(registry, 'features_events_total', { kind: 'transaction' }), 4);
});

test('lateness is judged per raw source partition: a catch-up interleaving sources hours apart loses nothing', async () => {
  const { store, registry, run } = setup(HOUR);
  // One valid partition, fed by two raw partitions whose chunks are a day apart in event time (a backlog
  // drained at different paces); each source is in order, so nothing is late.
  await run([message(tx('a1', T0 + 30 * HOUR), 0, 'transactionsValid', 'raw:0'), message(tx('a2', T0 + 31 * HOUR), 1, 'transactionsValid', 'raw:0')]);
  await run([message(tx('b1', T0 + 5 * HOUR), 2, 'transactionsValid', 'raw:1'), message(tx('b2', T0 + 6 * HOUR), 3, 'transactionsValid', 'raw:1')]);
  // Out of order within a source beyond the grace is still late; within it, not.
  await run([message(tx('b3', T0 + 4 * HOUR), 4, 'transactionsValid', 'raw:1'), message(tx('a3', T0 + 30.5 * HOUR), 5, 'transactionsValid', 'raw:0')]);
  assert.deepEqual(store.events.flat().map((e) => [e.transactionId, e.apply]), [['a1', true], ['a2', true], ['b1', true], ['b2', true], ['b3', false], ['a3', true]]);
  assert.equal(await metric(registry, 'features_late_events_total'), 1);
});

test('a store failure propagates as the retriable error and emits nothing; the watermark does not move', async () => {
  const { store, run } = setup(HOUR);
  store.fail = new DependencyError('redis', 'connection refused');
  await assert.rejects(run([message(tx('a', T0 + 10 * HOUR), 0)]), (err: unknown) => err instanceof DependencyError && err.retriable);
  store.fail = null;
  const { outputs } = await run([message(tx('b', T0), 1)]);
  assert.equal(outputs.length, 1);
  assert.equal(store.events[0]![0]!.apply, true, 'the failed batch did not advance the watermark');
});

test('only fraud labels with a terminal reach the store; labels produce no records', async () => {
  const { store, registry, run } = setup();
  const label = (id: string, isFraud: boolean, terminal: string | null) =>
    message({ transaction_id: id, terminal_id: terminal, event_time: T0 + HOUR, is_fraud: isFraud }, 0, 'transactionsLabels');
  const { outputs } = await run([label('a', true, 't1'), label('b', false, 't1'), label('c', true, null), label('a', true, 't1')]);
  assert.deepEqual(outputs, []);
  assert.deepEqual(store.labels, [[
    { transactionId: 'a', terminalId: 't1', day: 17_600 },
    { transactionId: 'a', terminalId: 't1', day: 17_600 },
  ]]);
  assert.equal(await metric(registry, 'features_events_total', { kind: 'label' }), 4);
  assert.equal(await metric(registry, 'features_duplicate_labels_total'), 1);
});
