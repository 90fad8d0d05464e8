/**
 * A worker thread that scores with onnxruntime in a loop until it is stopped: what a training thread
 * does at its end (ONNX parity), for the abort tests. Posts one progress message before its first call.
 */
import { exportOnnx } from '../../training/src/export/onnx-export.ts';
import { scoreOnce } from '../../training/src/export/onnx-session.ts';
import { answerInThread } from '../../training/src/thread-call.ts';
import { randomMatrix, randomTreeEnsemble } from '../../training/bench/random-model.ts';

const model = randomTreeEnsemble({ features: 8, trees: 200, maxDepth: 6, seed: 1 });
const onnx = exportOnnx(model);
const x = randomMatrix(64, 8, 2);

await answerInThread<null, never>(async (_input, progress) => {
  progress('scoring', 0, 1);
  for (;;) await scoreOnce(onnx, model.featureNames, x, 64);
});
