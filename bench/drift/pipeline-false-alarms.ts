/**
 * False alarms of the whole monitoring path over a long stationary run, through the real processes:
 * ingest, features, scoring, drift monitor and alert receiver as children (test/support/loop-harness.ts),
 * the stack's Prometheus evaluating the committed rules and its Alertmanager posting to the receiver.
 *
 * The handbook simulation (5,000 customers, 183 days) trains the champion on its handbook week; days
 * 40-79 warm the online feature store up (30-day windows need the history), then days 80-182, about a
 * million stationary transactions, are streamed at --rate per second (default 3,000, below the pipeline's
 * ~4,000/s, so the monitor keeps up and its windows interleave every partition; --rate 0 streams as fast
 * as possible, a backlog catch-up, where the monitor judges few windows: see partition-mix.ts). Counted: the drift
 * monitor's drifted count-window evaluations (drift_window_evaluations_total), retrain/rollback alerts that
 * fired in Prometheus, and retrain events on models.retrain.v1. Needs the stack (riskstream stack up).
 *
 *   node bench/drift/pipeline-false-alarms.ts [--seed 7] [--rate 3000]
 */
import { parseArgs } from 'node:util';
import { ModelRegistry, simulate, simulatedTrainingData, trainModel, transactionsInOrder, type SimulatedTransaction } from '@riskstream/training';
import { waitFor } from '../../test/support/child-service.ts';
import { TrafficProducer, collect, dayOf, openLoop, promQuery } from '../../test/support/loop-harness.ts';

const { values: args } = parseArgs({ options: { seed: { type: 'string' }, rate: { type: 'string' } } });
const seed = Number(args.seed ?? 7);
const rate = Number(args.rate ?? 3000);
const WARM_UP = [40, 80] as const;
const LIVE = [80, 183] as const;

async function counter(url: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

const log = (msg: string) => process.stderr.write(`${new Date().toISOString()} ${msg}\n`);
const loop = await openLoop('falsealarm', { FEATURE_ALLOWED_LATENESS_MS: String(60 * 86_400_000) });
let result: Record<string, unknown> = {};
try {
  log(`simulating and training the champion (seed ${seed})`);
  const sim = simulate({ seed });
  await trainModel(simulatedTrainingData({ seed, simulation: sim }), { name: 'fraud', seed: 1, registry: await ModelRegistry.open(loop.registryDir) });
  const warmUp: SimulatedTransaction[] = [];
  const live: SimulatedTransaction[] = [];
  for (const tx of transactionsInOrder(sim)) {
    const d = dayOf(tx, sim.startTimeMs);
    if (d >= WARM_UP[0] && d < WARM_UP[1]) warmUp.push(tx);
    else if (d >= LIVE[0] && d < LIVE[1]) live.push(tx);
  }
  for (const s of ['ingest', 'features', 'scoring'] as const) loop.start(s);
  const scoringMetrics = `http://127.0.0.1:${loop.ports.scoring}/metrics`;
  const driftMetrics = `http://127.0.0.1:${loop.ports['drift-monitor']}/metrics`;
  const traffic = await TrafficProducer.open(loop.env);
  loop.closeFirst(() => traffic.close());
  log(`warm-up: ${warmUp.length} transactions`);
  await traffic.send(warmUp, 0, 0);
  await traffic.flushLabels();
  await waitFor('warm-up scored', async () => (await counter(scoringMetrics, 'riskstream_messages_produced_total', {}).catch(() => 0)) >= warmUp.length, 900_000, 2000);

  for (const s of ['drift-monitor', 'alert-receiver'] as const) loop.start(s);
  await loop.ready('drift-monitor');
  await loop.ready('alert-receiver', '/healthz');
  const retrains = await collect(loop.env, 'modelsRetrain');
  loop.closeFirst(() => retrains.stop());
  log(`stationary: ${live.length} transactions`);
  const t0 = Date.now();
  await traffic.send(live, rate, 1000);
  await traffic.flushLabels();
  await waitFor('drift monitor caught up', async () => (await counter(driftMetrics, 'drift_events_total', { stream: 'enriched' }).catch(() => 0)) >= live.length, 1_800_000, 2000);
  const streamSeconds = (Date.now() - t0) / 1000;
  // Long enough for any verdict near the end to have passed a 15 s `for`, Alertmanager and the receiver.
  await new Promise((r) => setTimeout(r, 45_000));
  const lookback = Math.ceil((Date.now() - t0) / 1000);
  const fired = await promQuery(`max_over_time(ALERTS{alertstate="firing", action=~"retrain|rollback"}[${lookback}s])`);
  const pending = await promQuery(`max_over_time(ALERTS{alertstate="pending", action=~"retrain|rollback"}[${lookback}s])`);
  result = {
    seed,
    warmUpTransactions: warmUp.length,
    stationaryTransactions: live.length,
    driftMonitorEnrichedEvents: await counter(driftMetrics, 'drift_events_total', { stream: 'enriched' }),
    countWindowEvaluations: await counter(driftMetrics, 'drift_window_evaluations_total', { window: 'count' }),
    countWindowDriftedVerdicts: await counter(driftMetrics, 'drift_window_evaluations_total', { window: 'count', verdict: 'drifted' }),
    countWindowUnrepresentative: await counter(driftMetrics, 'drift_window_evaluations_total', { window: 'count', verdict: 'unrepresentative' }),
    rate,
    firedAlerts: fired.map((f) => f.metric['alertname']),
    pendingAlerts: pending.map((f) => f.metric['alertname']),
    retrainEvents: retrains.values.length,
    streamSeconds,
  };
} finally {
  await loop.stop();
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
