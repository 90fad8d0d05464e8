/**
 * The simulated proof of the experiment bandit (issue 14): the simulator's labelled traffic, three models
 * trained by the project's trainer (the default GBDT, a shallow one and a deliberately worse one trained
 * on shuffled labels, see
 * test/services/drift-monitor/experiments/labelled-traffic.ts), scored through onnxruntime-node with
 * their ONNX artifacts, replayed twice over the same events: a fixed split, and the Thompson bandit (the
 * controller the drift monitor runs) starting from the same weights, with labels arriving
 * --label-delay-days of event time after their transaction, so the estimated value is the only signal
 * at first. Reported per race: events (and event-time hours, labels in, value and regret so far) until
 * the better arm has 80% and 95% of the weight, the value earned by each replay, each arm's value alone
 * (hindsight) and the regret against the best. The last scenario puts the worse model in as a capped
 * challenger against the good control and reports when it was stopped. Routing is scoring's, sticky per
 * card, so an arm's mean carries the luck of its cards: with few cards (--customers 3000) the bandit's
 * card-level variance keeps it exploring longer between close models.
 *
 * Prints JSON and writes bench/results/bandit-vs-split-<date>.json.
 *
 *   node bench/experiments/bandit-vs-split.ts [--customers 10000] [--days 45] [--seed 7] [--label-delay-days 2]
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
import { GOOD_ARM, labelledTraffic, SHALLOW_ARM, WORSE_ARM } from '../../test/services/drift-monitor/experiments/labelled-traffic.ts';

const USAGE = `node bench/experiments/bandit-vs-split.ts [options]

  --customers N         simulated customers (cards); terminals are twice as many   (default 10000)
  --days N              simulated days, at least 21 (train week, label delay week, test week) (default 45)
  --seed N              simulator, trainer and routing seed                         (default 7)
  --label-delay-days N  event time between a transaction and its label              (default 2)
  --help                this text`;

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '10000' },
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
const SETTINGS = { minEvents: 2000, floorShare: 0.05, stopMargin: 0.05, stopConfidence: 0.99, estimateWeight: 0.5, priorEvents: 1, calibrationPriorEvents: 200, draws: 4000 };
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

/** The events as the named arms (indices into the trained models) see them, in that order. */
function pickArms(events: readonly ReplayEvent[], arms: readonly number[]): ReplayEvent[] {
  return events.map((e) => ({ ...e, scores: arms.map((a) => e.scores[a]!), decisions: arms.map((a) => e.decisions[a]!) }));
}

/** Labels that had arrived by the event's time. */
function labelledBy(events: readonly ReplayEvent[], afterEvents: number): number {
  const now = events[afterEvents]!.eventTime;
  let n = 0;
  for (let i = 0; i < afterEvents && events[i]!.eventTime + LABEL_DELAY_DAYS * DAY_MS <= now; i++) n++;
  return n;
}

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

/** What it took the better arm to reach the share: events, hours of event time, labels in by then, value and regret so far. */
function until(events: readonly ReplayEvent[], r: ReplayResult, split: ReplayResult, better: number, share: number): Record<string, unknown> | null {
  const n = eventsUntilShare(r.weightChanges, better, share);
  if (n === undefined) return null;
  const best = r.cumulativeIfOnly[better]![n]!;
  return {
    events: n,
    event_time_hours: round2((events[n]!.eventTime - events[0]!.eventTime) / 3_600_000),
    labels_arrived: labelledBy(events, n),
    value_so_far: round2(r.cumulativeValue[n]!),
    split_value_so_far: round2(split.cumulativeValue[n]!),
    better_arm_alone_so_far: round2(best),
    regret_so_far: round2(best - r.cumulativeValue[n]!),
  };
}

/** The bandit and a fixed split from the same weights over the same events; the better arm is the last. */
function race(events: readonly ReplayEvent[], names: readonly string[], weights: readonly number[], maxShare: number): Record<string, unknown> {
  const split = replayExperiment(events, options(names, weights, maxShare, true));
  const bandit = replayExperiment(events, options(names, weights, maxShare, false));
  const better = names.length - 1;
  return {
    arms: names,
    start_weights: weights,
    max_share: maxShare,
    value_if_only: Object.fromEntries(names.map((n, i) => [n, round2(split.valueIfOnly[i]!)])),
    until_better_arm_80pct: until(events, bandit, split, better, 0.8),
    until_better_arm_95pct: until(events, bandit, split, better, 0.95),
    stops: bandit.stops.map((x) => ({ ...x, labels_arrived: labelledBy(events, x.afterEvents) })),
    bandit: summary(bandit, better),
    split: summary(split, better),
    value_gain_over_split: round2(bandit.value - split.value),
  };
}

const traffic = await labelledTraffic({ customers: CUSTOMERS, days: DAYS, seed: SEED, arms: [WORSE_ARM, SHALLOW_ARM, GOOD_ARM] });
const [WORSE, SHALLOW, GOOD] = [0, 1, 2];
const { events } = traffic;

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
    scoring: 'ONNX artifacts of the models through onnxruntime-node (training scoreRows), decided at each manifest\'s thresholds',
    train_seconds: round2(traffic.trainSeconds),
  },
  models: traffic.models.map((m) => ({ ...m, auc: round2(m.auc * 1000) / 1000 })),
  value_model: { currency: DEFAULT_VALUE_MODEL.currency, settings: 'defaults (VALUE_* unset)' },
  settings: { ...SETTINGS, policy: POLICY },
  // The proof: the control is the worse model, the better challenger uncapped, both from 50/50.
  worse_control_vs_good_challenger: race(pickArms(events, [WORSE, GOOD]), ['worse', 'good'], [0.5, 0.5], 1),
  // A smaller gap: the control is a shallow model, not a useless one.
  shallow_control_vs_good_challenger: race(pickArms(events, [SHALLOW, GOOD]), ['shallow', 'good'], [0.5, 0.5], 1),
  three_arms: race(pickArms(events, [WORSE, SHALLOW, GOOD]), ['worse', 'shallow', 'good'], [1 / 3, 1 / 3, 1 / 3], 1),
  // The guardrails: the worse model as a challenger capped at 20% against the good control.
  good_control_vs_worse_challenger_capped: guardrails(pickArms(events, [GOOD, WORSE])),
};

function guardrails(ev: readonly ReplayEvent[]): Record<string, unknown> {
  const split = replayExperiment(ev, options(['good', 'worse'], [0.8, 0.2], 0.2, true));
  const bandit = replayExperiment(ev, options(['good', 'worse'], [0.8, 0.2], 0.2, false));
  return {
    max_share: 0.2,
    cap_held: bandit.weightChanges.every((c) => c.weights[1]! <= 0.2 + 1e-12),
    stop: bandit.stops[0] ? { ...bandit.stops[0], labels_arrived: labelledBy(ev, bandit.stops[0].afterEvents) } : null,
    bandit: summary(bandit, 0),
    split_80_20: summary(split, 0),
    value_gain_over_split: round2(bandit.value - split.value),
  };
}

console.log(JSON.stringify(result, null, 2));
const dir = join(import.meta.dirname, '..', 'results');
await mkdir(dir, { recursive: true });
await writeFile(join(dir, `bandit-vs-split-${createdAt.slice(0, 16).replace(':', '')}Z.json`), `${JSON.stringify(result, null, 2)}\n`);
