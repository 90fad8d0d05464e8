/**
 * The report over an archived offline store (what the archiver writes: enriched transactions, scores
 * and labels as Parquet): the model version's archived scores are used (another version's are not),
 * labels join by transaction id, and the statistics equal windowDrift over the same values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  LABEL_COLUMNS,
  OfflineStoreWriter,
  SCORE_COLUMNS,
  importFileName,
  labelRow,
  loadConfig,
  scoreRow,
  transactionColumns,
  transactionRow,
} from '@riskstream/shared';
import { DirectoryModelSource } from '@riskstream/shared/model';
import { exportOnnx, ModelRegistry } from '@riskstream/training';
import type { EnrichedTransaction } from '@riskstream/shared';
import type { ReferenceProfile } from '@riskstream/shared/model';
import { driftMonitorConfigSchema, driftSettings } from '../../../services/drift-monitor/src/config.ts';
import { windowDrift } from '../../../services/drift-monitor/src/report/window-drift.ts';
import { buildDriftReport } from '../../../cli/src/drift-report/drift-report.ts';
import { FeatureColumnsMissingError } from '../../../cli/src/drift-report/drift-report-errors.ts';
import { manifestDraft, referenceProfile, world, worldRecords } from '../../services/drift-monitor/drift-fixtures.ts';
import { handMadeEnsemble, passingGate } from '../../services/scoring/scoring-fixtures.ts';
import { tempDir } from '../commands/cli-io.ts';

const DAY_MS = 86_400_000;
const START = Date.parse('2026-03-01T00:00:00Z');
const monitor = loadConfig(driftMonitorConfigSchema, {});
/** The world's features; "amount" is a base column of the transactions table, so it is stored as amount_eur. */
const FEATURES = ['amount_eur', 'velocity', 'night'] as const;

function renamed(profile: ReferenceProfile): ReferenceProfile {
  const { amount, ...rest } = profile.features;
  return { ...profile, features: { amount_eur: amount!, ...rest } };
}

function stored(r: EnrichedTransaction): EnrichedTransaction {
  const { amount, ...rest } = r.features;
  return { ...r, features: { amount_eur: amount!, ...rest } };
}

test('drift report on archived data: this version\'s archived scores, labels joined by id, statistics as windowDrift computes them', async (t) => {
  const dir = await tempDir(t, 'drift-archived');
  const registry = await ModelRegistry.open(join(dir, 'registry'));
  const profile = renamed(referenceProfile(31));
  // Archived scores make the report never load the model: the hand-made ensemble stands in for it.
  const version = await registry.register('fraud', { onnx: exportOnnx(handMadeEnsemble()), manifest: manifestDraft(profile) });
  await registry.promote('fraud', version, passingGate());
  // Two days, 6,000 events, the second day with amounts +40%.
  const next = world(32);
  const day1 = worldRecords(next, { count: 3000, startMs: START, stepMs: DAY_MS / 3000, idPrefix: 'a', version });
  const day2 = worldRecords(next, { count: 3000, startMs: START + DAY_MS, stepMs: DAY_MS / 3000, idPrefix: 'b', version, amountFactor: 1.4 });
  const root = join(dir, 'offline');
  const writer = await OfflineStoreWriter.open(root);
  try {
    for (const [date, records] of [['2026-03-01', day1], ['2026-03-02', day2]] as const) {
      await writer.writeFile('transactions', date, importFileName(`t-${date}`), transactionColumns([...FEATURES]), records.enriched.map((r) => transactionRow(stored(r), [...FEATURES], null)));
      // Another version scored the same transactions too: not this report's scores.
      const other = records.scored.map((s) => ({ ...s, model_version: version + 10, score: 0.99 }));
      await writer.writeFile('scores', date, importFileName(`s-${date}`), SCORE_COLUMNS, [...records.scored, ...other].map((s) => scoreRow(s, null)));
      // Labels known for every other transaction.
      await writer.writeFile('labels', date, importFileName(`l-${date}`), LABEL_COLUMNS, records.labels.filter((_, i) => i % 2 === 0).map((l) => labelRow(l, null)));
    }
  } finally {
    writer.close();
  }

  const stages = new Set<string>();
  const request = {
    source: new DirectoryModelSource(join(dir, 'registry')),
    model: { name: 'fraud', selector: 'champion' as const },
    root,
    fromMs: START,
    toMs: START + 2 * DAY_MS,
    monitor: { ...monitor, minPerformanceEvents: 500 },
    progress: (stage: string) => void stages.add(stage),
  };
  const report = await buildDriftReport(request);
  assert.deepEqual([...stages].sort(), ['labels', 'read']);
  assert.equal(report.model.version, version);
  assert.equal(report.rows, 6000);
  assert.equal(report.scoreSource, 'archived');
  assert.equal(report.drift.scoredEvents, 6000);
  assert.equal(report.labelledEvents, 3000);
  assert.deepEqual(report.excluded, []);
  assert.deepEqual(report.absentFeatures, []);

  const all = [...day1.enriched, ...day2.enriched].map(stored);
  const expected = windowDrift(profile, [...FEATURES], driftSettings(monitor), {
    features: FEATURES.map((f) => Float64Array.from(all, (r) => r.features[f]!)),
    scores: Float64Array.from([...day1.scored, ...day2.scored], (s) => s.score),
    startMs: START,
    endMs: START + 2 * DAY_MS,
  });
  assert.deepEqual(report.drift, expected);
  assert.equal(report.drift.features.find((f) => f.name === 'amount_eur')!.drifted, true);

  assert.equal(report.performance.bucketMs, DAY_MS);
  assert.deepEqual(report.performance.buckets.map((b) => [b.estimated.events, b.realised.labelled_events]), [[3000, 1500], [3000, 1500]]);
  // The world's scores are calibrated: realised and estimated AUC agree.
  const o = report.performance.overall;
  assert.ok(Math.abs(o.realised.roc_auc - o.estimated.roc_auc) < 0.05, `${o.realised.roc_auc} vs ${o.estimated.roc_auc}`);

  // A version without archived scores must be scored here, and the store lacks its input "amount".
  const unscored = await registry.register('fraud', { onnx: exportOnnx(handMadeEnsemble()), manifest: manifestDraft(profile) });
  await assert.rejects(buildDriftReport({ ...request, model: { name: 'fraud', selector: unscored } }), (err: unknown) => {
    assert.ok(err instanceof FeatureColumnsMissingError);
    assert.deepEqual(err.features, ['amount']);
    assert.equal(err.code, 'NOT_FOUND');
    assert.match(err.message, /no archived scores of the model and .* lacks its inputs amount, so it cannot be scored/);
    return true;
  });
});
