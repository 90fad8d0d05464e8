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
