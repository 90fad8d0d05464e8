/**
 * Histogram gradient-boosted trees for binary log loss, producing the shared TreeEnsembleModel.
 *
 * Training runs entirely on bin codes (models/binning.ts); the exported thresholds are the float32 bin
 * edges, so a row's path through an exported tree is identical to its path during training (tested).
 * Leaf values are Newton steps -G/(H+lambda) times the learning rate; baseMargin is the log-odds of the
 * (weighted) positive rate. With early stopping, the model keeps the trees up to the best validation
 * round.
 */

import { ValidationError } from '@riskstream/shared';
import type { Tree, TreeEnsembleModel } from '@riskstream/shared/model';
import type { Dataset } from '../data/dataset.ts';
import { createRng, sampleIndices } from '../random.ts';
import { rocAuc } from '../metrics/roc-auc.ts';
import { loglossFromMargins } from '../metrics/logloss.ts';
import { binMatrix, fitBinning, labelBalancedBinWeights } from './binning.ts';
import type { FeatureBinning } from './binning.ts';
import { resolveGbdtOptions } from './gbdt-options.ts';
import { rowWeights } from './class-weights.ts';
import type { GbdtOptions } from './gbdt-options.ts';
import { binTreeLeaf, binnedMatrix, createTreeGrower } from './histogram-tree.ts';
import type { BinTree, BinnedMatrix, GrownTree } from './histogram-tree.ts';

export interface GbdtRoundMetrics {
  /** 0-based round; the model after this round has round + 1 trees. */
  readonly round: number;
  /** Weighted (incl. class weights) training log loss after this round. */
  readonly trainLogloss: number;
  readonly validLogloss?: number;
  readonly validAuc?: number;
}

export interface FeatureImportance {
  /** Total split gain per feature. */
  readonly gain: Float64Array;
  /** Number of splits per feature. */
  readonly splits: Uint32Array;
}

export interface GbdtResult {
  readonly model: TreeEnsembleModel;
  readonly history: readonly GbdtRoundMetrics[];
  /** Round whose model was kept (model.trees.length = bestRound + 1). */
  readonly bestRound: number;
  readonly options: Readonly<GbdtOptions>;
  readonly binning: FeatureBinning;
  /** Importance over the kept trees. */
  readonly importance: FeatureImportance;
  readonly trainSeconds: number;
}

export type GbdtProgress = (round: number, metrics: GbdtRoundMetrics) => void;

function checkDatasets(train: Dataset, valid?: Dataset): void {
  if (train.rows === 0) throw new ValidationError('DATASET_EMPTY', [{ path: 'train', problem: 'has no rows' }]);
  if (valid) {
    const same = valid.cols === train.cols && valid.featureNames.every((n, j) => n === train.featureNames[j]);
    if (!same) throw new ValidationError('DATASET_COLUMNS_DIFFER', [{ path: 'valid.featureNames', problem: 'differ from train.featureNames' }]);
  }
}

/** Gradient and hessian of log loss at `margin` into interleaved `gh`; returns the weighted mean loss. */
function gradients(margin: Float64Array, y: Uint8Array, w: Float64Array, gh: Float64Array): number {
  let loss = 0;
  let tot = 0;
  for (let i = 0; i < margin.length; i++) {
    const m = margin[i]!;
    const e = Math.exp(-Math.abs(m));
    // sigmoid(m) computed from e^-|m| so neither branch overflows; the same e gives the softplus.
    const p = m >= 0 ? 1 / (1 + e) : e / (1 + e);
    const wi = w[i]!;
    const yi = y[i]!;
    gh[2 * i] = wi * (p - yi);
    gh[2 * i + 1] = Math.max(wi * p * (1 - p), 1e-16);
    loss += wi * ((m > 0 ? m : 0) + Math.log1p(e) - yi * m);
    tot += wi;
  }
  return tot > 0 ? loss / tot : 0;
}

/**
 * A grown tree in the model format: bin splits become float32 thresholds. Leaf values are multiplied by
 * `leafScale` (a random forest averages its trees: 1 / trees); the GBDT's are already in margin units.
 */
export function toModelTree(t: BinTree, binning: FeatureBinning, leafScale = 1): Tree {
  const n = t.feature.length;
  const threshold = new Float32Array(n);
  const value = leafScale === 1 ? t.value : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const f = t.feature[i]!;
    if (f >= 0) threshold[i] = binning.edges[f]![t.bin[i]!]!;
    else if (leafScale !== 1) value[i] = t.value[i]! * leafScale;
  }
  return { feature: t.feature, threshold, left: t.left, right: t.right, missingLeft: t.missingLeft, value };
}

/** Adds a tree's split gains and split counts to the per-feature importance. */
export function addImportance(t: BinTree, importance: FeatureImportance): void {
  for (let i = 0; i < t.feature.length; i++) {
    const f = t.feature[i]!;
    if (f >= 0) {
      importance.gain[f]! += t.gain[i]!;
      importance.splits[f]!++;
    }
  }
}

function addTree(t: BinTree, m: BinnedMatrix, margin: Float64Array): void {
  for (let r = 0; r < m.rows; r++) margin[r]! += t.value[binTreeLeaf(t, m, r)]!;
}

/**
 * Adds a freshly grown tree to the training margins: sampled rows by their leaf's row range (no tree
 * walk), the rows left out of this tree's sample by walking the tree.
 */
function addGrownTree(grown: GrownTree, rowIndex: Uint32Array, rowCount: number, inSample: Uint8Array, m: BinnedMatrix, margin: Float64Array): void {
  const { tree, nodeStart, nodeEnd } = grown;
  for (let node = 0; node < tree.feature.length; node++) {
    if (tree.feature[node]! >= 0) continue;
    const v = tree.value[node]!;
    for (let k = nodeStart[node]!; k < nodeEnd[node]!; k++) margin[rowIndex[k]!]! += v;
  }
  if (rowCount < m.rows) {
    for (let r = 0; r < m.rows; r++) if (inSample[r] === 0) margin[r]! += tree.value[binTreeLeaf(tree, m, r)]!;
  }
}

/**
 * Trains a GBDT. `valid` (optional) is used for per-round metrics and, when earlyStoppingRounds > 0,
 * for early stopping; it must not be the test set you report on.
 */
export function trainGbdt(
  train: Dataset,
  options: Partial<GbdtOptions> = {},
  valid?: Dataset,
  onProgress?: GbdtProgress,
): GbdtResult {
  const started = performance.now();
  const o = resolveGbdtOptions(options);
  checkDatasets(train, valid);
  const n = train.rows;
  const cols = train.cols;
  const binning = fitBinning(train.x, n, train.featureNames, o.maxBins, labelBalancedBinWeights(train.y, o.binPositiveShare));
  const binCount = Int32Array.from(binning.edges, (e) => e.length);
  const tm = binnedMatrix(binMatrix(binning, train.x, n), n, binCount);
  const vm = valid ? binnedMatrix(binMatrix(binning, valid.x, valid.rows), valid.rows, binCount) : undefined;

  const w = rowWeights(train, o.classWeight);
  let wPos = 0;
  let wTot = 0;
  for (let i = 0; i < n; i++) {
    wTot += w[i]!;
    if (train.y[i] === 1) wPos += w[i]!;
  }
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, wTot > 0 ? wPos / wTot : 0.5));
  const baseMargin = Math.log(rate / (1 - rate));

  const margin = new Float64Array(n).fill(baseMargin);
  const vMargin = valid ? new Float64Array(valid.rows).fill(baseMargin) : undefined;
  const gh = new Float64Array(2 * n);
  const grower = createTreeGrower(tm, o);
  const rng = createRng(o.seed);
  const rowIndex = new Uint32Array(n);
  const inSample = new Uint8Array(n);
  const sampleRows = Math.max(1, Math.round(n * o.subsample));
  const sampleCols = Math.max(1, Math.round(cols * o.colsample));
  const allFeatures = Int32Array.from({ length: cols }, (_, j) => j);

  const binTrees: BinTree[] = [];
  const history: GbdtRoundMetrics[] = [];
  const useEarlyStopping = valid !== undefined && o.earlyStoppingRounds > 0;
  const higherIsBetter = o.earlyStoppingMetric === 'auc';
  let best = higherIsBetter ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  let bestRound = -1;

  gradients(margin, train.y, w, gh);
  for (let round = 0; round < o.rounds; round++) {
    if (sampleRows < n) {
      const sample = sampleIndices(n, sampleRows, rng);
      rowIndex.set(sample);
      inSample.fill(0);
      for (let k = 0; k < sampleRows; k++) inSample[sample[k]!] = 1;
    } else for (let i = 0; i < n; i++) rowIndex[i] = i;
    const features = sampleCols < cols ? Int32Array.from(sampleIndices(cols, sampleCols, rng)) : allFeatures;
    const grown = grower.grow(gh, rowIndex, sampleRows, features, features.length, rng);
    const tree = grown.tree;
    binTrees.push(tree);
    addGrownTree(grown, rowIndex, sampleRows, inSample, tm, margin);
    const trainLogloss = gradients(margin, train.y, w, gh);

    let metrics: GbdtRoundMetrics = { round, trainLogloss };
    if (valid && vm && vMargin) {
      addTree(tree, vm, vMargin);
      const validLogloss = loglossFromMargins(vMargin, valid.y, valid.weight);
      // AUC needs a sort, so compute it only when something uses it.
      const validAuc = o.earlyStoppingMetric === 'auc' || onProgress ? rocAuc(vMargin, valid.y, valid.weight) : undefined;
      metrics = { round, trainLogloss, validLogloss, ...(validAuc === undefined ? {} : { validAuc }) };
      const score = higherIsBetter ? validAuc! : validLogloss;
      if (higherIsBetter ? score > best : score < best) {
        best = score;
        bestRound = round;
      }
    } else bestRound = round;
    history.push(metrics);
    onProgress?.(round, metrics);
    if (useEarlyStopping && round - bestRound >= o.earlyStoppingRounds) break;
  }
  if (!useEarlyStopping) bestRound = binTrees.length - 1;

  const kept = binTrees.slice(0, bestRound + 1);
  const importance: FeatureImportance = { gain: new Float64Array(cols), splits: new Uint32Array(cols) };
  for (const t of kept) addImportance(t, importance);
  const model: TreeEnsembleModel = {
    kind: 'tree-ensemble',
    featureNames: [...train.featureNames],
    baseMargin,
    trees: kept.map((t) => toModelTree(t, binning)),
  };
  return {
    model,
    history,
    bestRound,
    options: o,
    binning,
    importance,
    trainSeconds: (performance.now() - started) / 1000,
  };
}
