/**
 * The simulated proof of the experiment bandit (issue 14): the simulator's labelled traffic, two models
 * trained by the project's trainer (a good one and a deliberately worse one, see
 * test/services/drift-monitor/experiments/labelled-traffic.ts), scored through onnxruntime-node with
 * their ONNX artifacts, replayed twice over the same events: a fixed 50/50 split, and the Thompson
 * bandit (the controller the drift monitor runs) starting from 50/50, with labels arriving
 * --label-delay-days of event time after their transaction, so the estimated value is the only signal
 * at first. Reported: events until the better arm has 80% and 95% of the weight, the value earned by
 * each replay, the value of the better arm alone (hindsight) and the regret against it. A second
 * scenario puts the worse model in as a capped challenger against the good control and reports when
 * it was stopped.
 *
 * Prints JSON and writes bench/results/bandit-vs-split-<date>.json.
 *
 *   node bench/experiments/bandit-vs-split.ts [--customers 3000] [--days 45] [--seed 7] [--label-delay-days 2]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_VALUE_MODEL } from '@riskstream/shared';
import { createRng } from '../../training/src/random.ts';
import {
  eventsUntilShare,
  replayExperiment,
  type ReplayEvent,
  type ReplayOptions,
  type ReplayResult,
} from '../../services/drift-monitor/src/experiments/experiment-replay.ts';
import { labelledTraffic } from '../../test/services/drift-monitor/experiments/labelled-traffic.ts';

const USAGE = `node bench/experiments/bandit-vs-split.ts [options]

  --customers N         simulated customers (cards); terminals are twice as many   (default 3000)
  --days N              simulated days, at least 21 (train week, label delay week, test week) (default 45)
  --seed N              simulator, trainer and routing seed                         (default 7)
  --label-delay-days N  event time between a transaction and its label              (default 2)
  --help                this text`;

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '3000' },
    days: { type: 'string', default: '45' },
    seed: { type: 'string', default: '7' },
    'label-delay-days': { type: 'string', default: '2' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const CUSTOMERS = Number(args.customers);
const DAYS = Number(args.days);
const SEED = Number(args.seed);
const LABEL_DELAY_DAYS = Number(args['label-delay-days']);
if (![CUSTOMERS, DAYS, SEED].every(Number.isSafeInteger) || !(LABEL_DELAY_DAYS >= 0) || DAYS < 21 || CUSTOMERS < 100) {
  console.error(USAGE);
  process.exit(2);
}

const DAY_MS = 86_400_000;
const SETTINGS = { minEvents: 2000, floorShare: 0.05, stopMargin: 0.05, stopConfidence: 0.99, estimateWeight: 0.5, priorEvents: 1, draws: 4000 };
const POLICY = { intervalMs: 3_600_000, everyEvents: 1000, minChange: 0.02 };

function options(arms: readonly string[], weights: readonly number[], maxShare: number, fixedWeights: boolean): ReplayOptions {
  return {
    plan: { name: 'bandit-vs-split', mode: 'bandit', arms: arms.map((arm) => ({ arm })), weights },
    settings: { ...SETTINGS, maxShare },
    policy: POLICY,
    valueModel: DEFAULT_VALUE_MODEL,
    rng: createRng(SEED),
    labelDelayMs: LABEL_DELAY_DAYS * DAY_MS,
    pendingCapacity: 1_000_000,
    fixedWeights,
  };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

function summary(r: ReplayResult, better: number): Record<string, unknown> {
  return {
    value: round2(r.value),
    value_per_event: round2(r.value / r.events),
    regret: round2(r.regret),
    events_by_arm: r.eventsByArm,
    better_arm_traffic_share: round2(r.eventsByArm[better]! / r.events),
    weight_changes: r.weightChanges.length - 1,
    final_weights: r.finalWeights.map((w) => Math.round(w * 1000) / 1000),
  };
}

/** Labels that had arrived when the better arm first reached the share (event time of that event). */
function labelledBy(events: readonly ReplayEvent[], afterEvents: number | undefined): number | undefined {
  if (afterEvents === undefined) return undefined;
  const now = events[afterEvents]!.eventTime;
  return events.filter((e, i) => i < afterEvents && e.eventTime + LABEL_DELAY_DAYS * DAY_MS <= now).length;
}

const traffic = await labelledTraffic({ customers: CUSTOMERS, days: DAYS, seed: SEED });
const { events } = traffic;

// Scenario 1: the control is the worse model, the challenger the better one, no cap.
const arms = ['worse', 'good'];
const split = replayExperiment(events, options(arms, [0.5, 0.5], 1, true));
const bandit = replayExperiment(events, options(arms, [0.5, 0.5], 1, false));
const to80 = eventsUntilShare(bandit.weightChanges, 1, 0.8);
const to95 = eventsUntilShare(bandit.weightChanges, 1, 0.95);

// Scenario 2: the worse model as a challenger capped at 20% against the good control.
const reversed = events.map((e) => ({ ...e, scores: [e.scores[1]!, e.scores[0]!], decisions: [e.decisions[1]!, e.decisions[0]!] }));
const guarded = replayExperiment(reversed, options(['good', 'worse'], [0.8, 0.2], 0.2, false));
const guardedSplit = replayExperiment(reversed, options(['good', 'worse'], [0.8, 0.2], 0.2, true));

const createdAt = new Date().toISOString();
const result = {
  bench: 'bandit-vs-split',
  createdAt,
  traffic: {
    customers: CUSTOMERS,
    days: DAYS,
    seed: SEED,
    replayed_events: events.length,
    fraud_rate: round2(traffic.fraudRate * 10_000) / 10_000,
    label_delay_days: LABEL_DELAY_DAYS,
    scoring: 'ONNX artifacts of both models through onnxruntime-node (training scoreRows), decided at each manifest\'s thresholds',
    train_seconds: round2(traffic.trainSeconds),
  },
  models: traffic.models.map((m) => ({ ...m, auc: round2(m.auc * 1000) / 1000 })),
  value_model: { currency: DEFAULT_VALUE_MODEL.currency, settings: 'defaults (VALUE_* unset)' },
  settings: { ...SETTINGS, policy: POLICY },
  better_arm_alone: {
    value: round2(Math.max(...split.valueIfOnly)),
    worse_arm_alone_value: round2(Math.min(...split.valueIfOnly)),
  },
  worse_control_vs_better_challenger: {
    events_until_better_arm_80pct: to80 ?? null,
    events_until_better_arm_95pct: to95 ?? null,
    labels_arrived_by_80pct: labelledBy(events, to80) ?? null,
    labels_arrived_by_95pct: labelledBy(events, to95) ?? null,
    bandit: summary(bandit, 1),
    split_50_50: summary(split, 1),
    value_gain_over_split: round2(bandit.value - split.value),
  },
  good_control_vs_worse_challenger_capped_20pct: {
    stop: guarded.stops[0] ? { ...guarded.stops[0], labelled_by_then: labelledBy(reversed, guarded.stops[0].afterEvents) } : null,
    bandit: summary(guarded, 0),
    split_80_20: summary(guardedSplit, 0),
    value_gain_over_split: round2(guarded.value - guardedSplit.value),
  },
};

console.log(JSON.stringify(result, null, 2));
const dir = join(import.meta.dirname, '..', 'results');
await mkdir(dir, { recursive: true });
await writeFile(join(dir, `bandit-vs-split-${createdAt.slice(0, 16).replace(':', '')}Z.json`), `${JSON.stringify(result, null, 2)}\n`);
