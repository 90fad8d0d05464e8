/**
 * Random forest (Breiman 2001, as scikit-learn's RandomForestClassifier) on the histogram tree grower,
 * producing the shared TreeEnsembleModel so export, calibration, scoring and serving treat it like a GBDT.
 *
 * Each tree is a regression tree on the 0/1 label with squared loss, which for binary labels splits like
 * gini: gradients g = -w*y and hessians h = w make a leaf's Newton value -G/H the leaf's weighted positive
 * share. A bootstrap row drawn k times enters with weight k*w (rows never drawn are left out of the tree),
 * and each split considers a random subset of the features (the grower's colsampleByNode). Leaf values are
 * stored divided by the number of trees with baseMargin 0, so the model's margin is the forest's mean
 * probability in [0, 1]; the caller fits Platt calibration on that margin as for any other model.
 */

import { ValidationError } from '@riskstream/shared';
import type { Tree, TreeEnsembleModel } from '@riskstream/shared/model';
import type { Dataset } from '../data/dataset.ts';
import { createRng } from '../random.ts';
import type { Rng } from '../random.ts';
import { rocAuc } from '../metrics/roc-auc.ts';
import { binMatrix, fitBinning, labelBalancedBinWeights } from './binning.ts';
import type { FeatureBinning } from './binning.ts';
import { rowWeights } from './class-weights.ts';
import { addImportance, toModelTree, type FeatureImportance } from './gbdt.ts';
import { binTreeLeaf, binnedMatrix, createTreeGrower } from './histogram-tree.ts';
import type { BinTree, BinnedMatrix, GrowParams } from './histogram-tree.ts';
import { featuresPerSplit, resolveRandomForestOptions } from './random-forest-options.ts';
import type { RandomForestOptions } from './random-forest-options.ts';

/**
 * Leaf-value regulariser: only there so an empty-weight leaf divides by something; with at least
 * minSamplesLeaf rows of weight ~1 it moves a leaf's share by well under float32 resolution of the sum.
 */
const LEAF_LAMBDA = 1e-6;

export interface RandomForestResult {
  readonly model: TreeEnsembleModel;
  readonly options: Readonly<RandomForestOptions>;
  readonly binning: FeatureBinning;
  /** Total split gain (half the weighted squared-error reduction) and split count per feature. */
  readonly importance: FeatureImportance;
  /**
   * ROC AUC of the out-of-bag mean probability over the rows that were left out of at least one tree
   * (sample weights, not class weights); undefined without bootstrap or when those rows hold one class.
   */
  readonly oobAuc?: number;
  readonly trainSeconds: number;
}

/** Called after each tree: `treeIndex` is 0-based, so the last call has treeIndex = total - 1. */
export type RandomForestProgress = (treeIndex: number, total: number) => void;

/** Per-tree row sample: `count[r]` is how often row r was drawn (0 = out of bag). */
interface TreeSample {
  readonly count: Uint32Array;
  readonly rowIndex: Uint32Array;
  rowCount: number;
}

/** Draws `draws` rows with replacement (or takes every row once) and lists the drawn rows in ascending order. */
function drawSample(sample: TreeSample, draws: number, bootstrap: boolean, w: Float64Array, rng: Rng): void {
  const { count, rowIndex } = sample;
  const n = count.length;
  if (bootstrap) {
    count.fill(0);
    for (let k = 0; k < draws; k++) count[rng.nextInt(n)]!++;
  } else count.fill(1);
  let m = 0;
  // Ascending row order keeps the histogram loops in memory order; zero-weight rows carry no statistics.
  for (let r = 0; r < n; r++) if (count[r]! > 0 && w[r]! > 0) rowIndex[m++] = r;
  sample.rowCount = m;
}

/** Squared-loss gradients of the 0/1 label at margin 0, with the bootstrap multiplicity folded into the weight. */
function sampleGradients(sample: TreeSample, y: Uint8Array, w: Float64Array, gh: Float64Array): void {
  const { count, rowIndex, rowCount } = sample;
  for (let k = 0; k < rowCount; k++) {
    const r = rowIndex[k]!;
    const wr = w[r]! * count[r]!;
    gh[2 * r] = -wr * y[r]!;
    gh[2 * r + 1] = wr;
  }
}

function growParams(o: Readonly<RandomForestOptions>, cols: number): GrowParams {
  return {
    growth: 'depthwise',
    maxDepth: o.maxDepth,
    maxLeaves: 0,
    lambda: LEAF_LAMBDA,
    minSplitGain: 0,
    minChildWeight: 0,
    minSamplesLeaf: o.minSamplesLeaf,
    // The grower takes round(cols * share) features, which is exactly featuresPerSplit here.
    colsampleByNode: featuresPerSplit(o.maxFeatures, cols) / cols,
    learningRate: 1,
  };
}

/** The model-format tree: bin splits become float32 edge thresholds, leaves are scaled by `scale`. */
/** Out-of-bag sums: each row left out of a tree adds that tree's (unscaled) leaf probability. */
function addOutOfBag(t: BinTree, m: BinnedMatrix, count: Uint32Array, sum: Float64Array, trees: Uint32Array): void {
  for (let r = 0; r < m.rows; r++) {
    if (count[r] !== 0) continue;
    sum[r]! += t.value[binTreeLeaf(t, m, r)]!;
    trees[r]!++;
  }
}

function outOfBagAuc(sum: Float64Array, trees: Uint32Array, ds: Dataset): number | undefined {
  const rows: number[] = [];
  for (let r = 0; r < ds.rows; r++) if (trees[r]! > 0) rows.push(r);
  const scores = Float64Array.from(rows, (r) => sum[r]! / trees[r]!);
  const labels = Uint8Array.from(rows, (r) => ds.y[r]!);
  const weights = ds.weight ? Float64Array.from(rows, (r) => ds.weight![r]!) : undefined;
  const auc = rows.length > 0 ? rocAuc(scores, labels, weights) : Number.NaN;
  return Number.isNaN(auc) ? undefined : auc;
}

/** Trains a random forest on `train`; the returned model is uncalibrated (margin = mean probability). */
export function trainRandomForest(
  train: Dataset,
  options: Partial<RandomForestOptions> = {},
  onProgress?: RandomForestProgress,
): RandomForestResult {
  const started = performance.now();
  const o = resolveRandomForestOptions(options);
  if (train.rows === 0) throw new ValidationError('DATASET_EMPTY', [{ path: 'train', problem: 'has no rows' }]);
  const n = train.rows;
  const cols = train.cols;
  const binning = fitBinning(train.x, n, train.featureNames, o.maxBins, labelBalancedBinWeights(train.y, o.binPositiveShare));
  const binCount = Int32Array.from(binning.edges, (e) => e.length);
  const tm = binnedMatrix(binMatrix(binning, train.x, n), n, binCount);
  const w = rowWeights(train, o.classWeight);

  const grower = createTreeGrower(tm, growParams(o, cols));
  const rng = createRng(o.seed);
  const sample: TreeSample = { count: new Uint32Array(n), rowIndex: new Uint32Array(n), rowCount: 0 };
  const draws = Math.max(1, Math.round(n * o.maxSamples));
  const gh = new Float64Array(2 * n);
  const allFeatures = Int32Array.from({ length: cols }, (_, j) => j);
  const importance = { gain: new Float64Array(cols), splits: new Uint32Array(cols) };
  const oobSum = new Float64Array(n);
  const oobTrees = new Uint32Array(n);
  const trees: Tree[] = [];

  for (let i = 0; i < o.nEstimators; i++) {
    drawSample(sample, draws, o.bootstrap, w, rng);
    sampleGradients(sample, train.y, w, gh);
    const { tree } = grower.grow(gh, sample.rowIndex, sample.rowCount, allFeatures, cols, rng);
    trees.push(toModelTree(tree, binning, 1 / o.nEstimators));
    addImportance(tree, importance);
    if (o.bootstrap) addOutOfBag(tree, tm, sample.count, oobSum, oobTrees);
    onProgress?.(i, o.nEstimators);
  }

  const oobAuc = o.bootstrap ? outOfBagAuc(oobSum, oobTrees, train) : undefined;
  return {
    model: { kind: 'tree-ensemble', featureNames: [...train.featureNames], baseMargin: 0, trees },
    options: o,
    binning,
    importance,
    ...(oobAuc === undefined ? {} : { oobAuc }),
    trainSeconds: (performance.now() - started) / 1000,
  };
}
