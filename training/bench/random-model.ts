/**
 * Seeded random models and feature matrices for the ONNX parity tests and the ONNX benchmark. The data
 * deliberately hits the awkward cases: values exactly equal to thresholds (integer-valued columns with
 * integer thresholds), NaN, signed zeros and values that are not float32-representable.
 */
import type { LinearModel, Tree, TreeEnsembleModel } from '@riskstream/shared/model';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Columns alternate between continuous (scaled normal) and integer-valued (0..9), so ties occur. */
function drawValue(rand: () => number, column: number): number {
  if (column % 3 === 2) return Math.floor(rand() * 10);
  return normal(rand) * (1 + column);
}

export interface RandomEnsembleOptions {
  features: number;
  trees: number;
  maxDepth: number;
  seed: number;
  calibrated?: boolean;
}

export function featureNames(count: number): string[] {
  return Array.from({ length: count }, (_, j) => `f${j}_${['amount', 'velocity', 'count'][j % 3]}`);
}

export function randomTreeEnsemble(opts: RandomEnsembleOptions): TreeEnsembleModel {
  const rand = mulberry32(opts.seed);
  const trees: Tree[] = [];
  for (let t = 0; t < opts.trees; t++) trees.push(randomTree(rand, opts.features, t === 0 ? 0 : opts.maxDepth));
  return {
    kind: 'tree-ensemble',
    featureNames: featureNames(opts.features),
    baseMargin: -2.5 + rand(),
    trees,
    ...(opts.calibrated ? { calibration: { kind: 'platt' as const, a: 0.7 + rand() * 0.6, b: -0.5 + rand() } } : {}),
  };
}

/** maxDepth 0 gives a single-leaf tree. Nodes are laid out depth-first, as a learner would. */
function randomTree(rand: () => number, features: number, maxDepth: number): Tree {
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const missingLeft: number[] = [];
  const value: number[] = [];
  const build = (depth: number): number => {
    const id = feature.length;
    feature.push(-1); threshold.push(0); left.push(-1); right.push(-1); missingLeft.push(0); value.push(0);
    if (depth < maxDepth && (depth < 2 || rand() < 0.8)) {
      const f = Math.floor(rand() * features);
      feature[id] = f;
      threshold[id] = f % 3 === 2 ? Math.floor(rand() * 10) : Math.fround(drawValue(rand, f));
      missingLeft[id] = rand() < 0.5 ? 1 : 0;
      left[id] = build(depth + 1);
      right[id] = build(depth + 1);
    } else {
      value[id] = normal(rand) * 0.15;
    }
    return id;
  };
  build(0);
  return {
    feature: Int32Array.from(feature),
    threshold: Float32Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    missingLeft: Uint8Array.from(missingLeft),
    value: Float64Array.from(value),
  };
}

export function randomLinearModel(features: number, seed: number): LinearModel {
  const rand = mulberry32(seed);
  return {
    kind: 'linear',
    featureNames: featureNames(features),
    weights: Float64Array.from({ length: features }, () => normal(rand)),
    intercept: -3 + rand(),
    mean: Float64Array.from({ length: features }, (_, j) => (j % 3 === 2 ? 4.5 : normal(rand) * 0.1)),
    scale: Float64Array.from({ length: features }, (_, j) => (1 + j) * (0.5 + rand())),
    calibration: { kind: 'platt', a: 0.9 + rand() * 0.2, b: rand() * 0.2 - 0.1 },
  };
}

/** Row-major float32 matrix; `nanRate` of the cells are NaN. */
export function randomMatrix(rows: number, features: number, seed: number, nanRate = 0.05): Float32Array {
  const rand = mulberry32(seed);
  const x = new Float32Array(rows * features);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < features; j++) {
      x[i * features + j] = rand() < nanRate ? NaN : drawValue(rand, j);
    }
  }
  return x;
}
