import { createHash } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import type { Model, TreeEnsembleModel } from '@riskstream/shared/model';
import { exportOnnx } from '@riskstream/training';
import { randomLinearModel, randomMatrix, randomTreeEnsemble } from '../../../training/bench/random-model.ts';
import { loadScoringModel, toColumns, type ScoringModel } from '../../../services/scoring/src/scoring-model.ts';
import { explainRow, topReasons } from '../../../services/scoring/src/tree-contributions.ts';
import { fetchedModel, handMadeEnsemble, simulatedData, trainedModel } from './scoring-fixtures.ts';

const CHUNK = 4096;

interface Agreement {
  /** max |explained-graph probability - registry-graph probability| */
  readonly score: number;
  readonly exactScores: number;
  /** max |explained-graph contribution - JavaScript reference contribution| */
  readonly contribution: number;
  /** rows whose top-3 reason features differ from the reference's */
  readonly topDiffer: number;
}

/** The explained graph against the registry graph (scores) and the JavaScript walk (contributions). */
async function agreement(model: ScoringModel, x: Float32Array, rows: number): Promise<Agreement> {
  const cols = model.featureNames.length;
  let score = 0;
  let exactScores = 0;
  let contribution = 0;
  let topDiffer = 0;
  for (let from = 0; from < rows; from += CHUNK) {
    const n = Math.min(CHUNK, rows - from);
    const chunk = x.slice(from * cols, (from + n) * cols);
    const explained = await model.scoreExplained(chunk, n);
    const registry = await model.score(toColumns(chunk, n, cols), n);
    const reference = new Float64Array(n * cols);
    model.explainer.explain(chunk, n, reference, new Float64Array(n));
    for (let i = 0; i < n; i++) {
      const d = Math.abs(explained.scores[i]! - registry[i]!);
      score = Math.max(score, d);
      if (d === 0) exactScores++;
      for (let j = 0; j < cols; j++) contribution = Math.max(contribution, Math.abs(explained.contributions[i * cols + j]! - reference[i * cols + j]!));
      const got = topReasons(model.featureNames, explained.contributions, 3, i * cols).map((r) => r.feature);
      const want = topReasons(model.featureNames, reference, 3, i * cols).map((r) => r.feature);
      if (got.join() !== want.join()) topDiffer++;
    }
  }
  return { score, exactScores, contribution, topDiffer };
}

async function loaded(t: import('node:test').TestContext, model: Model, version = 1): Promise<ScoringModel> {
  const scoring = await loadScoringModel(fetchedModel(model, version));
  t.after(() => scoring.release());
  return scoring;
}

test('explained graph of a hand-made ensemble: the exact contributions and the registry graph probability', async (t) => {
  const model = handMadeEnsemble();
  const scoring = await loaded(t, model);
  const rows = [[50, 5, 1], [NaN, 0, 1], [100, 3, 0.5], [100.5, NaN, NaN], [0, 2.999, 0.75], [1e6, -1, 0], [NaN, NaN, NaN]];
  const x = Float32Array.from(rows.flat());
  const { scores, contributions } = await scoring.scoreExplained(x, rows.length);
  const registry = await scoring.score(toColumns(x, rows.length, 3), rows.length);
  assert.deepEqual(scores, registry);
  rows.forEach((_, i) => {
    // Binary fractions: float32 holds them exactly, so float32 and float64 sums agree exactly.
    const { contributions: reference } = explainRow(scoring.explainer, x.subarray(i * 3, (i + 1) * 3));
    assert.deepEqual([...contributions.subarray(i * 3, (i + 1) * 3)], [...reference], `row ${rows[i]}`);
  });
  assert.deepEqual([...contributions.subarray(0, 3)], [-0.8125, 0.375, 0.4375]);
  assert.deepEqual(await scoring.scoreExplained(new Float32Array(0), 0), { scores: new Float32Array(0), contributions: new Float32Array(0) });
});

test('explained graph on 100k random rows: registry scores within 1e-6, reference contributions within 1e-5, same top-3', async (t) => {
  const model = randomTreeEnsemble({ features: 12, trees: 300, maxDepth: 6, seed: 21, calibrated: true });
  const scoring = await loaded(t, model);
  const rows = 100_000;
  const a = await agreement(scoring, randomMatrix(rows, 12, 22, 0.1), rows);
  t.diagnostic(`random ensemble: max |score diff| ${a.score} (${a.exactScores}/${rows} identical), max |contribution diff| ${a.contribution}`);
  assert.ok(a.score <= 1e-6, `max score diff ${a.score}`);
  assert.ok(a.contribution <= 1e-5, `max contribution diff ${a.contribution}`);
  assert.equal(a.topDiffer, 0);
});

test('explained graph of a GBDT trained on simulated data, on 100k simulated rows: same scores, contributions and top-3', async (t) => {
  const model = trainedModel(simulatedData(300, 7), { rounds: 150, seed: 3, maxLeaves: 16 });
  const scoring = await loaded(t, model);
  const { dataset } = simulatedData(8000, 11);
  const rows = Math.min(100_000, dataset.rows);
  assert.ok(rows >= 100_000, `only ${dataset.rows} simulated rows`);
  const a = await agreement(scoring, Float32Array.from(dataset.x.subarray(0, rows * dataset.cols)), rows);
  t.diagnostic(`trained GBDT: max |score diff| ${a.score} (${a.exactScores}/${rows} identical), max |contribution diff| ${a.contribution}`);
  assert.ok(a.score <= 1e-6, `max score diff ${a.score}`);
  assert.ok(a.contribution <= 1e-5, `max contribution diff ${a.contribution}`);
  assert.equal(a.topDiffer, 0);
});

test('ensembles with a single-leaf tree, one feature, or no calibration build and agree too', async (t) => {
  const models: TreeEnsembleModel[] = [
    randomTreeEnsemble({ features: 1, trees: 20, maxDepth: 4, seed: 5 }),
    randomTreeEnsemble({ features: 30, trees: 40, maxDepth: 8, seed: 6, calibrated: true }),
    { ...handMadeEnsemble(), trees: [handMadeEnsemble().trees[1]!, ...handMadeEnsemble().trees] },
  ];
  for (const [k, model] of models.entries()) {
    const scoring = await loaded(t, model, k + 1);
    const cols = model.featureNames.length;
    const a = await agreement(scoring, randomMatrix(5000, cols, 40 + k, 0.2), 5000);
    assert.ok(a.score <= 1e-6 && a.contribution <= 1e-5 && a.topDiffer === 0, `model ${k}: ${JSON.stringify(a)}`);
  }
});

test('linear models explain with the JavaScript walk: the registry score and the reference contributions', async (t) => {
  const model = randomLinearModel(6, 3);
  const scoring = await loaded(t, model);
  const x = randomMatrix(500, 6, 9, 0.1);
  const { scores, contributions } = await scoring.scoreExplained(x, 500);
  assert.deepEqual(scores, await scoring.score(toColumns(x, 500, 6), 500));
  const reference = new Float64Array(500 * 6);
  scoring.explainer.explain(x, 500, reference, new Float64Array(500));
  assert.deepEqual(contributions, reference);
});

test('a graph whose "tree" shares a node between two parents is refused: its reasons have no leaf vector', async () => {
  // Tree 0 of the hand-made ensemble (BFS ids: 0 amount, 1 velocity, 2 leaf, 3 and 4 leaves under 1): point
  // node 1's false branch at node 3 too and drop node 4. The registry graph still scores; reasons could not.
  const onnx = onnxProto.onnx.ModelProto.decode(exportOnnx(handMadeEnsemble()));
  const te = onnx.graph!.node!.find((n) => n.opType === 'TreeEnsembleRegressor')!;
  const attr = (name: string) => te.attribute!.find((a) => a.name === name)!;
  const nodeTree = attr('nodes_treeids').ints!.map(Number);
  const nodeId = attr('nodes_nodeids').ints!.map(Number);
  const drop = nodeTree.findIndex((tree, i) => tree === 0 && nodeId[i] === 4);
  const velocity = nodeTree.findIndex((tree, i) => tree === 0 && nodeId[i] === 1);
  attr('nodes_falsenodeids').ints![velocity] = 3;
  for (const name of ['nodes_treeids', 'nodes_nodeids', 'nodes_featureids', 'nodes_truenodeids', 'nodes_falsenodeids', 'nodes_missing_value_tracks_true']) attr(name).ints!.splice(drop, 1);
  attr('nodes_modes').strings!.splice(drop, 1);
  attr('nodes_values').floats!.splice(drop, 1);
  const leafTree = attr('target_treeids').ints!.map(Number);
  const leafNode = attr('target_nodeids').ints!.map(Number);
  const leaf = leafTree.findIndex((tree, i) => tree === 0 && leafNode[i] === 4);
  for (const name of ['target_treeids', 'target_nodeids', 'target_ids']) attr(name).ints!.splice(leaf, 1);
  const weights = attr('target_weights_as_tensor').t!;
  const kept = new Float64Array(new Float64Array(Uint8Array.from(weights.rawData!).buffer).filter((_, i) => i !== leaf));
  weights.rawData = new Uint8Array(kept.buffer);
  weights.dims = [kept.length];
  // Re-sealed with the exporter's content hash, as a tool that edits graphs would: the structure check is
  // under test here, not the hash (model-files.test.ts tests that).
  onnx.metadataProps = onnx.metadataProps.filter((e) => e.key !== 'riskstream.content_sha256');
  const content = createHash('sha256').update(onnxProto.onnx.ModelProto.encode(onnx).finish()).digest('hex');
  onnx.metadataProps.push(onnxProto.onnx.StringStringEntryProto.create({ key: 'riskstream.content_sha256', value: content }));
  const bytes = onnxProto.onnx.ModelProto.encode(onnx).finish();
  await assert.rejects(loadScoringModel(fetchedModel(handMadeEnsemble(), 2, { onnx: bytes })), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'MODEL_INVALID');
    assert.match(err.message, /tree 0 is not a tree: node 3 is reached twice/);
    return true;
  });
});
