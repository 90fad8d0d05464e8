/**
 * ONNX export benchmark: parity of the exported model with the TypeScript model on 100k rows, and
 * onnxruntime scoring throughput at batch sizes 256 and 1024 for a 300-tree depth-6 ensemble.
 *   node training/bench/onnx-bench.ts            prints one JSON object
 */
import { performance } from 'node:perf_hooks';
import { predictBatch } from '@riskstream/shared/model';
import { exportOnnx } from '../src/export/onnx-export.ts';
import { loadOnnxModel, scoreRows } from '../src/export/onnx-session.ts';
import { randomMatrix, randomTreeEnsemble } from './random-model.ts';

const FEATURES = 24;
const PARITY_ROWS = 100_000;
const model = randomTreeEnsemble({ features: FEATURES, trees: 300, maxDepth: 6, seed: 42, calibrated: true });
const bytes = exportOnnx(model);
const x = randomMatrix(PARITY_ROWS, FEATURES, 43, 0.05);

async function throughput(threads: number, batch: number, seconds = 2): Promise<number> {
  const loaded = await loadOnnxModel(bytes, { sessionOptions: { intraOpNumThreads: threads, interOpNumThreads: 1 } });
  const batches = Math.floor(PARITY_ROWS / batch);
  for (let i = 0; i < 20; i++) await scoreRows(loaded.session, loaded.featureNames, x.subarray(i * batch * FEATURES), batch);
  let rows = 0;
  const start = performance.now();
  for (let i = 0; performance.now() - start < seconds * 1000; i = (i + 1) % batches) {
    await scoreRows(loaded.session, loaded.featureNames, x.subarray(i * batch * FEATURES), batch);
    rows += batch;
  }
  const elapsed = (performance.now() - start) / 1000;
  await loaded.session.release();
  return Math.round(rows / elapsed);
}

const tsStart = performance.now();
const expected = predictBatch(model, x, PARITY_ROWS);
const tsSeconds = (performance.now() - tsStart) / 1000;

const parity = await loadOnnxModel(bytes);
const actual = await scoreRows(parity.session, parity.featureNames, x, PARITY_ROWS);
await parity.session.release();
let maxAbsDiff = 0;
for (let i = 0; i < PARITY_ROWS; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(expected[i]! - actual[i]!));

const result = {
  model: { trees: 300, maxDepth: 6, features: FEATURES, calibrated: true, onnxBytes: bytes.length },
  parity: { rows: PARITY_ROWS, nanRate: 0.05, maxAbsDiff },
  typescriptRowsPerSecond: Math.round(PARITY_ROWS / tsSeconds),
  onnxRowsPerSecond: {
    threads1: { batch256: await throughput(1, 256), batch1024: await throughput(1, 1024) },
    threads2: { batch256: await throughput(2, 256), batch1024: await throughput(2, 1024) },
  },
};
console.log(JSON.stringify(result, null, 2));
