import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { RUN_OUTCOMES, type RunOutcome } from './run-journal.ts';

/** The trainer worker's own metrics; the shared runner adds the riskstream_* pipeline metrics. */
export interface TrainerMetrics {
  readonly runs: Counter<'outcome'>;
  readonly runDuration: Histogram<'action'>;
  readonly stageDuration: Histogram<'stage'>;
  readonly running: Gauge;
  readonly trainingRows: Gauge<'set'>;
  readonly trainingFrauds: Gauge<'set'>;
  readonly shadowPending: Gauge;
  readonly lastOutcomeTime: Gauge<'outcome'>;
  readonly registryStorageErrors: Counter<'operation' | 'errno'>;
  count(outcome: RunOutcome): void;
}

export function trainerMetrics(registry: Registry): TrainerMetrics {
  const registers = [registry];
  const runs = new Counter({
    name: 'trainer_runs_total',
    help: `Retrain and rollback decisions, by outcome (${RUN_OUTCOMES.join(', ')}); a shadowed challenger counts shadow_started, later promoted or rejected`,
    labelNames: ['outcome'],
    registers,
  });
  const lastOutcomeTime = new Gauge({
    name: 'trainer_last_outcome_timestamp_seconds',
    help: 'Unix time of the latest run with each outcome',
    labelNames: ['outcome'],
    registers,
  });
  // Zero series from the start, so rate() and absent() queries see every outcome before it first happens.
  for (const o of RUN_OUTCOMES) runs.inc({ outcome: o }, 0);
  return {
    runs,
    lastOutcomeTime,
    runDuration: new Histogram({
      name: 'trainer_run_duration_seconds',
      help: 'Time to handle one request, by action (RETRAIN: read, train, compare, register, announce; excludes the shadow wait)',
      labelNames: ['action'],
      buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600],
      registers,
    }),
    stageDuration: new Histogram({
      name: 'trainer_stage_duration_seconds',
      help: 'Time of one retrain stage: read (offline store), train (challenger job incl. comparison), register',
      labelNames: ['stage'],
      buckets: [0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800],
      registers,
    }),
    running: new Gauge({ name: 'trainer_running', help: '1 while a retrain is reading data or training', registers }),
    trainingRows: new Gauge({ name: 'trainer_training_rows', help: 'Rows of the latest training set, by set (train, holdout)', labelNames: ['set'], registers }),
    trainingFrauds: new Gauge({ name: 'trainer_training_frauds', help: 'Frauds in the latest training set, by set (train, holdout)', labelNames: ['set'], registers }),
    shadowPending: new Gauge({ name: 'trainer_shadow_pending', help: 'Challengers in their shadow period, waiting for promotion', registers }),
    registryStorageErrors: new Counter({
      name: 'trainer_registry_storage_errors_total',
      help: 'Registry writes the disk refused (full, read-only), by operation (register, aliases) and errno; the registry and the serving champion are unchanged, the run is retried',
      labelNames: ['operation', 'errno'],
      registers,
    }),
    count(outcome) {
      runs.inc({ outcome });
      lastOutcomeTime.set({ outcome }, Date.now() / 1000);
    },
  };
}
