// Handbook chapter 5 reports test performance as the mean of 4 prequential folds (training weeks starting
// 2018-07-25, 08-01, 08-08, 08-15). This runs the default GBDT on those folds: `node training/bench/prequential-experiment.ts SEED`.
import { simulate, takeRows, trainGbdtWithHoldout, fitPlatt, withCalibration } from '../src/index.ts';
import { featurizeOffline, timeSplit } from '../src/index.ts';
import { predictBatch } from '@riskstream/shared/model';
import { dayIndex } from '@riskstream/shared/features';
import { averagePrecision } from '../src/metrics/average-precision.ts';
import { rocAuc } from '../src/metrics/roc-auc.ts';
import { cardPrecisionAtK } from '../src/metrics/card-precision-at-k.ts';
import { modelMargins } from '../src/models/margins.ts';
const seed = Number(process.argv[2] ?? 0);
const sim = simulate({ nbDays: 183, seed });
const ds = featurizeOffline(sim.transactions);
const tx = sim.transactions;
const day = new Int32Array(tx.length);
for (let i = 0; i < tx.length; i++) day[i] = dayIndex(tx.eventTimeMs[i]!);
const opts = JSON.parse(process.argv[3] ?? '{}');
const res: { start: string; auc: number; ap: number; cp: number }[] = [];
for (const start of ['2018-07-25', '2018-08-01', '2018-08-08', '2018-08-15']) {
  const split = timeSplit(tx, { trainStart: start });
  const train = takeRows(ds, split.train);
  const test = takeRows(ds, split.test);
  const fit = trainGbdtWithHoldout(train, opts, { validFraction: 0.2, seed: 42, grouped: true });
  const cal = fitPlatt(modelMargins(fit.result.model, fit.validation.x, fit.validation.rows), fit.validation.y);
  const p = predictBatch(withCalibration(fit.result.model, cal), test.x, test.rows);
  const d = Int32Array.from(split.test, (i) => day[i]!);
  const c = Int32Array.from(split.test, (i) => tx.customer[i]!);
  const r = { start, auc: rocAuc(p, test.y), ap: averagePrecision(p, test.y), cp: cardPrecisionAtK(d, c, p, test.y, { k: 100, excludeDetected: true }).mean };
  console.log(JSON.stringify(r));
  res.push(r);
}
const mean = (k: 'auc' | 'ap' | 'cp') => res.reduce((s, r) => s + r[k], 0) / res.length;
console.log('MEAN', JSON.stringify({ seed, auc: mean('auc'), ap: mean('ap'), cp: mean('cp') }));
