import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateManifest } from '@riskstream/shared/model';
import { ModelRegistry, simulate, simulatedTrainingData, trainModel } from '@riskstream/training';

// A small simulation keeps this under a few seconds while exercising every step of the job.
const sim = simulate({ nCustomers: 600, nTerminals: 1200, nbDays: 60, seed: 7 });

test('train -> evaluate -> export -> register: the first model becomes champion with a valid manifest and report', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'rs-train-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const registry = await ModelRegistry.open(join(root, 'registry'));
  const data = simulatedTrainingData({ seed: 7, simulation: sim });
  const stages = new Set<string>();
  const o = await trainModel(data, {
    name: 'fraud',
    seed: 1,
    registry,
    outDir: join(root, 'out'),
    gate: { metric: 'roc_auc', margin: 0.002, iterations: 200, confidence: 0.95 },
    progress: (stage) => stages.add(stage),
  });
  assert.equal(o.version, 1);
  assert.equal(o.promoted, true, o.gate.reasons.join('; '));
  assert.ok(o.parityMaxAbsDiff <= 1e-5, `parity ${o.parityMaxAbsDiff}`);
  assert.ok(o.candidate.roc_auc! > 0.75, `auc ${o.candidate.roc_auc}`);
  assert.ok(o.candidate.card_precision_at_100 !== undefined && o.candidate.card_precision_at_100 !== null);
  assert.deepEqual([...stages].sort(), ['baseline', 'boosting', 'checks', 'evaluate', 'refit']);

  const champion = await registry.get('fraud', 'champion');
  assert.equal(champion.version, 1);
  const manifest = validateManifest(JSON.parse(await readFile(join(champion.dir, 'manifest.json'), 'utf8')));
  assert.deepEqual(manifest.featureNames, data.dataset.featureNames);
  assert.ok(manifest.thresholds.review <= manifest.thresholds.decline);
  assert.ok(manifest.referenceProfile.features['TX_AMOUNT'], 'reference profile per feature');
  // The served model is the refit on every training row, with as many trees as early stopping chose.
  const config = manifest.trainingConfig as { bestRound: number; refitRounds: number };
  assert.equal(config.refitRounds, config.bestRound + 1);
  for (const f of ['model.onnx', 'manifest.json', 'metrics.json', 'report.html']) assert.ok(existsSync(join(root, 'out', f)), f);
  assert.match(await readFile(join(root, 'out', 'report.html'), 'utf8'), /<svg/);
});

test('a worse challenger is registered but refused by the gate; the champion stays', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'rs-gate-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const registry = await ModelRegistry.open(join(root, 'registry'));
  const data = simulatedTrainingData({ seed: 7, simulation: sim });
  const gate = { metric: 'roc_auc' as const, margin: 0.002, iterations: 200, confidence: 0.95 };
  const first = await trainModel(data, { name: 'fraud', seed: 1, registry, gate });
  assert.equal(first.promoted, true);
  // Two shallow trees with a tiny learning rate: a model that ranks clearly worse.
  const weak = await trainModel(data, {
    name: 'fraud',
    seed: 2,
    registry,
    gate,
    gbdt: { rounds: 2, learningRate: 0.01, maxLeaves: 2, earlyStoppingRounds: 0 },
  });
  assert.equal(weak.version, 2);
  assert.equal(weak.promoted, false);
  assert.ok(weak.gate.reasons.length > 0);
  assert.equal(weak.manifest.parentVersion, 1);
  const aliases = await registry.aliases('fraud');
  assert.equal(aliases.champion, 1);
  assert.equal(aliases.challenger, 2);
});

test('the registered report names its version; the --out report of an unregistered run says so', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'rs-report-version-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const registry = await ModelRegistry.open(join(root, 'registry'));
  const data = simulatedTrainingData({ seed: 7, simulation: sim });
  const gate = { metric: 'roc_auc' as const, margin: 0.002, iterations: 100, confidence: 0.95 };
  const fast = { rounds: 20, earlyStoppingRounds: 5 };
  await trainModel(data, { name: 'fraud', seed: 1, registry, gate, gbdt: fast });
  const second = await trainModel(data, { name: 'fraud', seed: 2, registry, gate, gbdt: fast, runId: 'abc123def456' });
  assert.equal(second.version, 2);
  const stored = await readFile((await registry.get('fraud', 2)).reportPath!, 'utf8');
  assert.match(stored, /Version<\/th><td class="l">2<\/td>/);
  assert.doesNotMatch(stored, /not registered yet/);
  assert.match(stored, /abc123def456/);
  assert.match(second.reportHtml, /Version<\/th><td class="l">2<\/td>/);
  const unregistered = await trainModel(data, { name: 'fraud', seed: 3, gbdt: fast });
  assert.match(unregistered.reportHtml, /not registered yet/);
});

for (const algorithm of ['rf', 'lr'] as const) {
  test(`--algorithm ${algorithm}: trains, calibrates, exports with parity and registers the ${algorithm} model`, async (t) => {
    const root = await mkdtemp(join(tmpdir(), `rs-${algorithm}-`));
    t.after(() => rm(root, { recursive: true, force: true }));
    const registry = await ModelRegistry.open(join(root, 'registry'));
    const data = simulatedTrainingData({ seed: 7, simulation: sim });
    const o = await trainModel(data, { name: 'fraud', seed: 1, registry, algorithm, rf: { nEstimators: 20, maxDepth: 8 }, gate: { metric: 'roc_auc', margin: 0.002, iterations: 100, confidence: 0.95 } });
    assert.equal(o.algorithm, algorithm);
    assert.ok(o.parityMaxAbsDiff <= 1e-5, `parity ${o.parityMaxAbsDiff}`);
    assert.ok(o.candidate.roc_auc! > 0.7, `auc ${o.candidate.roc_auc}`);
    assert.ok(o.validation.average_precision > 0 && o.validation.roc_auc > 0.5);
    const entry = await registry.get('fraud', o.version!);
    assert.equal(entry.manifest.kind, algorithm === 'rf' ? 'tree-ensemble' : 'linear');
    assert.equal((entry.manifest.trainingConfig as { algorithm: string }).algorithm, algorithm);
    assert.match(await readFile(entry.reportPath!, 'utf8'), new RegExp(algorithm === 'rf' ? 'random forest' : 'logistic regression'));
  });
}

test('--select-features 3: the model, its manifest and its ONNX take the 3 chosen features; the next full model is gated against it', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'rs-select-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const registry = await ModelRegistry.open(join(root, 'registry'));
  const data = simulatedTrainingData({ seed: 7, simulation: sim });
  const gate = { metric: 'roc_auc' as const, margin: 0.002, iterations: 100, confidence: 0.95 };
  const o = await trainModel(data, { name: 'fraud', seed: 1, registry, gate, gbdt: { rounds: 40, earlyStoppingRounds: 10 }, selectFeatures: 3 });
  assert.equal(o.featureSelection!.kept.length, 3);
  assert.equal(o.featureSelection!.kept.length + o.featureSelection!.dropped.length, data.dataset.featureNames.length);
  const entry = await registry.get('fraud', o.version!);
  assert.deepEqual([...entry.manifest.featureNames], o.featureSelection!.kept);
  assert.deepEqual(Object.keys(entry.manifest.referenceProfile.features).sort(), [...o.featureSelection!.kept].sort());
  // A later model on every feature is compared with this champion scored on its own three features.
  const full = await trainModel(data, { name: 'fraud', seed: 2, registry, gate, gbdt: { rounds: 40, earlyStoppingRounds: 10 } });
  assert.ok(full.champion, 'the champion was scored on the same holdout');
  assert.equal(full.manifest.parentVersion, o.version);
});
