import { simulatedTrainingData, takeRows, trainGbdtWithHoldout, fitPlatt, withCalibration } from '../src/index.ts';
import { predictBatch } from '@riskstream/shared/model';
import { averagePrecision } from '../src/metrics/average-precision.ts';
import { rocAuc } from '../src/metrics/roc-auc.ts';
import { modelMargins } from '../src/models/margins.ts';
const data = simulatedTrainingData({ seed: 0 });
const train = takeRows(data.dataset, data.trainIndex);
const test = takeRows(data.dataset, data.testIndex);
const configs: Record<string, object> = JSON.parse(process.argv[2] ?? '{}');
for (const [name, opts] of Object.entries(configs)) {
  const t0 = performance.now();
  const fit = trainGbdtWithHoldout(train, opts, { validFraction: 0.2, seed: 42, grouped: true });
  const cal = fitPlatt(modelMargins(fit.result.model, fit.validation.x, fit.validation.rows), fit.validation.y);
  const p = predictBatch(withCalibration(fit.result.model, cal), test.x, test.rows);
  console.log(name, 'auc', rocAuc(p, test.y).toFixed(4), 'ap', averagePrecision(p, test.y).toFixed(4), 'trees', fit.result.model.trees.length, 's', ((performance.now() - t0) / 1000).toFixed(1));
}
