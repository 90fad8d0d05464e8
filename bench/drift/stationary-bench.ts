/**
 * False alarms and detection delay of the drift monitor's statistics core with the service's defaults
 * (services/drift-monitor/src/config.ts; DRIFT_* environment variables override them, to try others):
 *
 *  1. stationary: 1,000,000 simulated live events (after the reference week, see drift-fixture.ts)
 *     through the core, the sliding count window evaluated every DRIFT_RECOMPUTE_EVERY_EVENTS events and
 *     every tumbling window when it closes. Counts the evaluations whose dataset-level verdict is raised
 *     (target 0) and, per feature, the largest PSI and how often its corrected test rejected.
 *  2. detection: the same world with a +20% amount shift (training's applyDrift, as
 *     `riskstream simulate --drift amount-shift:0.2@DAY`) starting at several onsets (midnight and midday
 *     UTC); the delay is counted in events from the first shifted event to the first raised verdict
 *     (target <= 5,000 for the count window).
 *
 *   node bench/drift/stationary-bench.ts [--events 1000000] [--seed 7]
 * Prints one JSON document on stdout; progress goes to stderr.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '@riskstream/shared';
import { applyDrift, featurizeOffline, type Dataset, type SimulationResult } from '@riskstream/training';
import { driftMonitorConfigSchema, driftSettings } from '../../services/drift-monitor/src/config.ts';
import { DriftCore } from '../../services/drift-monitor/src/drift-core.ts';
import { parseFeatureSelection, selectFeatures } from '../../services/drift-monitor/src/feature-selection.ts';
import { buildWorld, LIVE_START_DAY, TRAIN_START_DAY, type DriftWorld } from './drift-fixture.ts';

const { values: args } = parseArgs({ options: { events: { type: 'string' }, seed: { type: 'string' } } });
const EVENTS = Number(args.events ?? 1_000_000);
const SEED = Number(args.seed ?? 7);
const DETECTION_TARGET = 5000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

// Only the DRIFT_* variables matter here; connection settings keep their defaults.
const config = loadConfig(driftMonitorConfigSchema, Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('DRIFT_'))));
const settings = driftSettings(config);
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

interface RunStats {
  countEvaluations: number;
  countVerdicts: number;
  /** Rising edges of the count-window verdict: what an alert would see. */
  countAlerts: number;
  timeEvaluations: number;
  timeVerdicts: number;
  firstCountVerdictAt: number | null;
  firstTimeVerdictAt: number | null;
  /** Drifted features and their PSI at the first count-window verdict. */
  atFirstVerdict: Record<string, number>;
}

interface Run {
  readonly core: DriftCore;
  readonly stats: RunStats;
  readonly maxPsi: Float64Array;
  readonly rejects: Int32Array;
  readonly drifted: Int32Array;
  readonly maxScorePsi: { value: number };
}

/** Feeds rows [from, to) of `ds` (event-time order) into a fresh core; `k` counts events fed so far. */
function run(world: DriftWorld, ds: Dataset, sim: SimulationResult, from: number, to: number): Run {
  const { monitored } = selectFeatures(world.profile, parseFeatureSelection(config.features));
  const stats: RunStats = {
    countEvaluations: 0, countVerdicts: 0, countAlerts: 0, timeEvaluations: 0, timeVerdicts: 0, firstCountVerdictAt: null, firstTimeVerdictAt: null, atFirstVerdict: {},
  };
  let fed = 0;
  const core = new DriftCore(world.profile, monitored, settings, {
    onTimeWindow(stream, evaluation) {
      if (stream !== 'features') return;
      stats.timeEvaluations++;
      if (evaluation.datasetDrifted) {
        stats.timeVerdicts++;
        stats.firstTimeVerdictAt ??= from + fed;
      }
    },
  });
  const F = monitored.length;
  const columns = Int32Array.from(monitored, (n) => ds.featureNames.indexOf(n));
  const values = new Float64Array(F);
  const maxPsi = new Float64Array(F);
  const rejects = new Int32Array(F);
  const drifted = new Int32Array(F);
  const maxScorePsi = { value: 0 };
  const tx = sim.transactions;
  let previous = false;
  for (let i = from; i < to; i++) {
    const base = i * ds.cols;
    for (let j = 0; j < F; j++) values[j] = ds.x[base + columns[j]!]!;
    core.addFeatures(values, tx.eventTimeMs[i]!);
    core.addScore(world.scores[i]!, tx.eventTimeMs[i]!);
    fed++;
    if (fed % config.recomputeEveryEvents !== 0) continue;
    core.evaluateCount();
    const e = core.countFeatures;
    if (e.events < settings.minEvents) continue;
    stats.countEvaluations++;
    for (let j = 0; j < F; j++) {
      if (e.psi[j]! > maxPsi[j]!) maxPsi[j] = e.psi[j]!;
      rejects[j]! += e.reject[j]!;
      drifted[j]! += e.drifted[j]!;
    }
    if (core.countScore.psi[0]! > maxScorePsi.value) maxScorePsi.value = core.countScore.psi[0]!;
    if (e.datasetDrifted) {
      stats.countVerdicts++;
      if (!previous) stats.countAlerts++;
      if (stats.firstCountVerdictAt === null) {
        stats.firstCountVerdictAt = i;
        for (let j = 0; j < F; j++) if (e.drifted[j] === 1) stats.atFirstVerdict[monitored[j]!] = round(e.psi[j]!);
      }
    }
    previous = e.datasetDrifted;
  }
  return { core, stats, maxPsi, rejects, drifted, maxScorePsi };
}

function round(v: number, digits = 4): number {
  return Number(v.toFixed(digits));
}

const started = performance.now();
log('simulating 183 days, featurising, training the reference model ...');
const world = buildWorld({ seed: SEED });
const liveRows = world.dataset.rows - world.liveStart;
const events = Math.min(EVENTS, liveRows);
log(`world ready in ${((performance.now() - started) / 1000).toFixed(1)} s: ${world.dataset.rows} rows, ${liveRows} live`);

const stationary = run(world, world.dataset, world.sim, world.liveStart, world.liveStart + events);
const perFeature = Object.fromEntries(
  stationary.core.featureNames.map((n, j) => [n, { maxPsi: round(stationary.maxPsi[j]!), rejectedWindows: stationary.rejects[j]!, driftedWindows: stationary.drifted[j]! }]),
);
log(`stationary: ${stationary.stats.countVerdicts} count-window verdicts, ${stationary.stats.timeVerdicts} time-window verdicts`);

/** First row at or after `ms`. */
function rowAt(sim: SimulationResult, ms: number): number {
  const t = sim.transactions.eventTimeMs;
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const ONSETS = [
  { day: 100, hour: 0 },
  { day: 121, hour: 12 },
  { day: 150, hour: 9 },
];
const detection = ONSETS.map(({ day, hour }) => {
  const onsetMs = world.sim.startTimeMs + day * DAY_MS + hour * HOUR_MS;
  const onsetRow = rowAt(world.sim, onsetMs);
  const sim = applyDrift(world.sim, [{ kind: 'amount-shift', relativeChange: 0.2, from: { eventIndex: onsetRow } }]);
  const ds = featurizeOffline(sim.transactions);
  // Fill the windows with a day of stationary traffic first, then follow the shift for 2.5 days (a tumbling day closes).
  const from = rowAt(sim, onsetMs - DAY_MS);
  const to = Math.min(sim.transactions.length, rowAt(sim, onsetMs + 2.5 * DAY_MS));
  const r = run(world, ds, sim, from, to);
  const count = r.stats.firstCountVerdictAt;
  const time = r.stats.firstTimeVerdictAt;
  const falseBefore = count !== null && count < onsetRow;
  const out = {
    onset: `day ${day} ${String(hour).padStart(2, '0')}:00 UTC`,
    countWindowDelayEvents: count === null || falseBefore ? null : count - onsetRow + 1,
    timeWindowDelayEvents: time === null || time < onsetRow ? null : time - onsetRow + 1,
    verdictBeforeOnset: falseBefore,
    psiAtDetection: r.stats.atFirstVerdict,
  };
  log(`amount +20% at ${out.onset}: count window after ${out.countWindowDelayEvents} events, time window after ${out.timeWindowDelayEvents}`);
  return out;
});

const delays = detection.map((d) => d.countWindowDelayEvents ?? Number.POSITIVE_INFINITY);
const maxDelay = Math.max(...delays);
const result = {
  seed: SEED,
  referenceWeek: `days ${TRAIN_START_DAY}..${TRAIN_START_DAY + 6}`,
  liveFrom: `day ${LIVE_START_DAY}`,
  settings: { ...settings, features: stationary.core.featureNames, recomputeEveryEvents: config.recomputeEveryEvents },
  stationary: {
    events,
    countWindowEvaluations: stationary.stats.countEvaluations,
    countWindowDatasetVerdicts: stationary.stats.countVerdicts,
    countWindowAlerts: stationary.stats.countAlerts,
    timeWindowEvaluations: stationary.stats.timeEvaluations,
    timeWindowDatasetVerdicts: stationary.stats.timeVerdicts,
    lateEvents: stationary.core.features.lateEvents,
    maxScorePsi: round(stationary.maxScorePsi.value),
    perFeature,
  },
  amountShift20: { detection, maxCountWindowDelayEvents: Number.isFinite(maxDelay) ? maxDelay : null },
  targets: {
    zeroStationaryVerdicts: stationary.stats.countVerdicts === 0 && stationary.stats.timeVerdicts === 0,
    detectedWithin5000: Number.isFinite(maxDelay) && maxDelay <= DETECTION_TARGET && detection.every((d) => !d.verdictBeforeOnset),
  },
  seconds: round((performance.now() - started) / 1000, 1),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
