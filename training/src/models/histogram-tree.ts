/**
 * Grows one regression tree on gradient/hessian statistics over binned features (the inner loop of
 * histogram GBDT, as in LightGBM/XGBoost-hist).
 *
 * Performance choices, since this is where training time goes:
 * - The bin matrix is row-major Uint8, so accumulating one row touches one contiguous run of bytes;
 *   gradients and hessians are interleaved (`gh[2r]`, `gh[2r+1]`) for the same reason.
 * - Histograms are one flat Float64Array per node, features packed back to back (`offset[f]`), each bin
 *   holding (sum g, sum h, count) — features with few distinct values take few slots.
 * - Subtraction trick: only the smaller child's histogram is built from rows; the larger child's is the
 *   parent's minus it, computed in place in the parent's buffer. Children that can never be split (depth
 *   limit, too few rows or too little hessian) get no histogram at all.
 * - Rows of a node are a contiguous range of one index array, partitioned stably in place, so rows stay
 *   in ascending (memory) order inside every node.
 * - Buffers come from a pool owned by the grower and are reused across trees: no allocation per node.
 */

import type { Rng } from '../random.ts';

/**
 * Training-time feature matrix. Instead of raw bin codes it stores each cell's global histogram slot,
 * `offset[f] + code`, row-major: the histogram loop then does one load per cell instead of two plus an
 * add, which measured ~2x faster in V8. Splits and traversal compare slots too (`slot <= offset[f] + b`).
 * Uint16 when all slots fit (up to ~250 features at 255 bins), else Uint32.
 */
export interface BinnedMatrix {
  readonly slots: Uint16Array | Uint32Array;
  readonly rows: number;
  readonly cols: number;
  /** Value bins per feature; code binCount[f] (slot offset[f] + binCount[f]) is missing. */
  readonly binCount: Int32Array;
  /** First histogram slot of each feature; offset[cols] is the total slot count. */
  readonly offset: Int32Array;
}

/** Slot matrix from row-major Uint8 bin codes (see binning.ts binMatrix). */
export function binnedMatrix(codes: Uint8Array, rows: number, binCount: Int32Array): BinnedMatrix {
  const cols = binCount.length;
  const offset = new Int32Array(cols + 1);
  for (let f = 0; f < cols; f++) offset[f + 1] = offset[f]! + binCount[f]! + 1;
  const slots = offset[cols]! <= 0xffff ? new Uint16Array(rows * cols) : new Uint32Array(rows * cols);
  for (let i = 0; i < rows * cols; i++) slots[i] = offset[i % cols]! + codes[i]!;
  return { slots, rows, cols, binCount, offset };
}

export interface GrowParams {
  readonly growth: 'depthwise' | 'leafwise';
  /** 0 = unlimited. */
  readonly maxDepth: number;
  /** 0 = unlimited. */
  readonly maxLeaves: number;
  readonly lambda: number;
  readonly minSplitGain: number;
  readonly minChildWeight: number;
  readonly minSamplesLeaf: number;
  readonly colsampleByNode: number;
  /** Leaf values are multiplied by this (shrinkage). */
  readonly learningRate: number;
}

/** A tree whose splits are on bin codes: a row goes left when `code <= bin`, or when missing and missingLeft. */
export interface BinTree {
  readonly feature: Int32Array;
  readonly bin: Int32Array;
  readonly missingLeft: Uint8Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly value: Float64Array;
  /** Split gain per inner node (0 for leaves), for feature importance. */
  readonly gain: Float64Array;
}

export interface GrownTree {
  readonly tree: BinTree;
  /**
   * Rows of node i are rowIndex[nodeStart[i] .. nodeEnd[i]) after grow(); lets the caller update the
   * sampled rows' margins by leaf range instead of walking the tree per row.
   */
  readonly nodeStart: Int32Array;
  readonly nodeEnd: Int32Array;
}

/** Per-node histogram: interleaved (sum g, sum h) per slot and a row count per slot. */
interface Histogram {
  readonly gh: Float64Array;
  readonly count: Int32Array;
}

interface GrowNode {
  id: number;
  start: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  c: number;
  hist: Histogram | null;
  gain: number;
  feature: number;
  bin: number;
  missingLeft: boolean;
  gl: number;
  hl: number;
  cl: number;
}

export interface TreeGrower {
  /**
   * Grows a tree on the rows `rowIndex[0..rowCount)` (reordered in place) using the features
   * `features[0..featureCount)`, with interleaved gradients/hessians `gh[2r]`, `gh[2r+1]`.
   */
  grow(gh: Float64Array, rowIndex: Uint32Array, rowCount: number, features: Int32Array, featureCount: number, rng: Rng): GrownTree;
}

export function createTreeGrower(m: BinnedMatrix, p: GrowParams): TreeGrower {
  const { slots, cols, binCount, offset } = m;
  const slotCount = offset[cols]!;
  const pool: Histogram[] = [];
  const takeHist = (): Histogram => pool.pop() ?? { gh: new Float64Array(2 * slotCount), count: new Int32Array(slotCount) };
  const scratch = new Uint32Array(m.rows);
  const nodeFeatures = new Int32Array(cols);
  const lambda = p.lambda;
  const mcw = p.minChildWeight;
  const msl = p.minSamplesLeaf;

  function buildHist(hist: Histogram, gh: Float64Array, rowIndex: Uint32Array, start: number, end: number, features: Int32Array, nf: number): void {
    const hg = hist.gh;
    const hc = hist.count;
    if (nf === cols) {
      hg.fill(0);
      hc.fill(0);
      for (let k = start; k < end; k++) {
        const r = rowIndex[k]!;
        const g = gh[2 * r]!;
        const h = gh[2 * r + 1]!;
        const base = r * cols;
        for (let f = 0; f < cols; f++) {
          const s = slots[base + f]!;
          hg[2 * s]! += g;
          hg[2 * s + 1]! += h;
          hc[s]!++;
        }
      }
      return;
    }
    for (let t = 0; t < nf; t++) {
      const f = features[t]!;
      hg.fill(0, 2 * offset[f]!, 2 * offset[f + 1]!);
      hc.fill(0, offset[f]!, offset[f + 1]!);
    }
    for (let k = start; k < end; k++) {
      const r = rowIndex[k]!;
      const g = gh[2 * r]!;
      const h = gh[2 * r + 1]!;
      const base = r * cols;
      for (let t = 0; t < nf; t++) {
        const s = slots[base + features[t]!]!;
        hg[2 * s]! += g;
        hg[2 * s + 1]! += h;
        hc[s]!++;
      }
    }
  }

  function subtractInto(parent: Histogram, child: Histogram): void {
    // Slots of features outside this tree's sample hold stale values on both sides; they are never read.
    const pg = parent.gh;
    const cg = child.gh;
    for (let i = 0; i < pg.length; i++) pg[i]! -= cg[i]!;
    const pc = parent.count;
    const cc = child.count;
    for (let i = 0; i < pc.length; i++) pc[i]! -= cc[i]!;
  }

  function findBestSplit(node: GrowNode, features: Int32Array, nf: number, rng: Rng): void {
    const hg = node.hist!.gh;
    const hc = node.hist!.count;
    const G = node.g;
    const H = node.h;
    const C = node.c;
    const parentScore = (G * G) / (H + lambda);
    let candidates = features;
    let nc = nf;
    if (p.colsampleByNode < 1) {
      nc = Math.max(1, Math.round(nf * p.colsampleByNode));
      for (let t = 0; t < nf; t++) nodeFeatures[t] = features[t]!;
      // Partial Fisher–Yates: the first nc entries are a uniform sample.
      for (let t = 0; t < nc; t++) {
        const j = t + rng.nextInt(nf - t);
        const tmp = nodeFeatures[t]!;
        nodeFeatures[t] = nodeFeatures[j]!;
        nodeFeatures[j] = tmp;
      }
      candidates = nodeFeatures;
    }
    let bestGain = 0;
    let bestF = -1;
    let bestB = 0;
    let bestMl = false;
    let bestGl = 0;
    let bestHl = 0;
    let bestCl = 0;
    for (let t = 0; t < nc; t++) {
      const f = candidates[t]!;
      const nb = binCount[f]!;
      const o = offset[f]!;
      const ms = o + nb;
      const gm = hg[2 * ms]!;
      const hm = hg[2 * ms + 1]!;
      const cm = hc[ms]!;
      let gl = 0;
      let hl = 0;
      let cl = 0;
      for (let b = 0; b < nb; b++) {
        const cb = hc[o + b]!;
        // An empty bin gives the same partition as the previous one.
        if (cb === 0) continue;
        gl += hg[2 * (o + b)]!;
        hl += hg[2 * (o + b) + 1]!;
        cl += cb;
        // Missing values go right.
        {
          const cr = C - cl;
          const hr = H - hl;
          if (cl >= msl && cr >= msl && hl >= mcw && hr >= mcw) {
            const gr = G - gl;
            const gain = 0.5 * ((gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore);
            if (gain > bestGain) {
              bestGain = gain;
              bestF = f;
              bestB = b;
              // With no missing rows at this node the direction is free: send unseen NaNs with the bulk.
              bestMl = cm === 0 ? hl >= hr : false;
              bestGl = gl;
              bestHl = hl;
              bestCl = cl;
            }
          }
        }
        // Missing values go left.
        if (cm > 0) {
          const gl2 = gl + gm;
          const hl2 = hl + hm;
          const cl2 = cl + cm;
          const cr = C - cl2;
          const hr = H - hl2;
          if (cl2 >= msl && cr >= msl && hl2 >= mcw && hr >= mcw) {
            const gr = G - gl2;
            const gain = 0.5 * ((gl2 * gl2) / (hl2 + lambda) + (gr * gr) / (hr + lambda) - parentScore);
            if (gain > bestGain) {
              bestGain = gain;
              bestF = f;
              bestB = b;
              bestMl = true;
              bestGl = gl2;
              bestHl = hl2;
              bestCl = cl2;
            }
          }
        }
      }
    }
    node.gain = bestF >= 0 ? bestGain : Number.NEGATIVE_INFINITY;
    node.feature = bestF;
    node.bin = bestB;
    node.missingLeft = bestMl;
    node.gl = bestGl;
    node.hl = bestHl;
    node.cl = bestCl;
  }

  function canSplit(depth: number, h: number, c: number): boolean {
    return (p.maxDepth === 0 || depth < p.maxDepth) && c >= 2 * msl && h >= 2 * mcw;
  }

  return {
    grow(gh, rowIndex, rowCount, features, featureCount, rng): GrownTree {
      const feature: number[] = [];
      const splitBin: number[] = [];
      const missingLeft: number[] = [];
      const left: number[] = [];
      const right: number[] = [];
      const value: number[] = [];
      const gains: number[] = [];
      const starts: number[] = [];
      const ends: number[] = [];
      const makeNode = (start: number, end: number, depth: number, g: number, h: number, c: number): GrowNode => {
        feature.push(-1);
        splitBin.push(0);
        missingLeft.push(0);
        left.push(-1);
        right.push(-1);
        value.push(0);
        gains.push(0);
        starts.push(start);
        ends.push(end);
        return {
          id: feature.length - 1, start, end, depth, g, h, c, hist: null,
          gain: Number.NEGATIVE_INFINITY, feature: -1, bin: 0, missingLeft: false, gl: 0, hl: 0, cl: 0,
        };
      };

      let G = 0;
      let H = 0;
      for (let k = 0; k < rowCount; k++) {
        const r = rowIndex[k]!;
        G += gh[2 * r]!;
        H += gh[2 * r + 1]!;
      }
      const root = makeNode(0, rowCount, 0, G, H, rowCount);
      if (canSplit(0, H, rowCount)) {
        root.hist = takeHist();
        buildHist(root.hist, gh, rowIndex, 0, rowCount, features, featureCount);
        findBestSplit(root, features, featureCount, rng);
      }
      const open: GrowNode[] = [root];
      let leaves = 1;
      while (open.length > 0) {
        let pick = 0;
        if (p.growth === 'leafwise') {
          for (let i = 1; i < open.length; i++) if (open[i]!.gain > open[pick]!.gain) pick = i;
        }
        const node = open[pick]!;
        open.splice(pick, 1);
        if (!(node.feature >= 0 && node.gain > p.minSplitGain) || (p.maxLeaves > 0 && leaves >= p.maxLeaves)) {
          value[node.id] = (-node.g / (node.h + lambda)) * p.learningRate;
          if (node.hist) pool.push(node.hist);
          node.hist = null;
          continue;
        }
        // Stable partition of the node's rows, comparing slots (see BinnedMatrix).
        const f = node.feature;
        const missSlot = offset[f]! + binCount[f]!;
        const splitSlot = offset[f]! + node.bin;
        const ml = node.missingLeft;
        let l = node.start;
        let s = 0;
        for (let k = node.start; k < node.end; k++) {
          const r = rowIndex[k]!;
          const slot = slots[r * cols + f]!;
          if (slot === missSlot ? ml : slot <= splitSlot) rowIndex[l++] = r;
          else scratch[s++] = r;
        }
        for (let k = 0; k < s; k++) rowIndex[l + k] = scratch[k]!;
        const depth = node.depth + 1;
        const lc = makeNode(node.start, l, depth, node.gl, node.hl, l - node.start);
        const rc = makeNode(l, node.end, depth, node.g - node.gl, node.h - node.hl, node.end - l);
        feature[node.id] = f;
        splitBin[node.id] = node.bin;
        missingLeft[node.id] = ml ? 1 : 0;
        left[node.id] = lc.id;
        right[node.id] = rc.id;
        gains[node.id] = node.gain;
        leaves++;

        // Once the leaf budget is spent no child will be split, so none needs a histogram.
        const budgetLeft = p.maxLeaves === 0 || leaves < p.maxLeaves;
        const lSplit = budgetLeft && canSplit(depth, lc.h, lc.c);
        const rSplit = budgetLeft && canSplit(depth, rc.h, rc.c);
        const parentHist = node.hist!;
        node.hist = null;
        if (lSplit || rSplit) {
          const small = lc.c <= rc.c ? lc : rc;
          const large = small === lc ? rc : lc;
          const smallSplits = small === lc ? lSplit : rSplit;
          const largeSplits = small === lc ? rSplit : lSplit;
          const smallHist = takeHist();
          buildHist(smallHist, gh, rowIndex, small.start, small.end, features, featureCount);
          if (largeSplits) {
            subtractInto(parentHist, smallHist);
            large.hist = parentHist;
          } else pool.push(parentHist);
          if (smallSplits) small.hist = smallHist;
          else pool.push(smallHist);
        } else pool.push(parentHist);
        if (lc.hist) findBestSplit(lc, features, featureCount, rng);
        if (rc.hist) findBestSplit(rc, features, featureCount, rng);
        open.push(lc, rc);
      }
      return {
        tree: {
          feature: Int32Array.from(feature),
          bin: Int32Array.from(splitBin),
          missingLeft: Uint8Array.from(missingLeft),
          left: Int32Array.from(left),
          right: Int32Array.from(right),
          value: Float64Array.from(value),
          gain: Float64Array.from(gains),
        },
        nodeStart: Int32Array.from(starts),
        nodeEnd: Int32Array.from(ends),
      };
    },
  };
}

/** Leaf reached by row `r` of a slot matrix. */
export function binTreeLeaf(tree: BinTree, m: BinnedMatrix, r: number): number {
  const base = r * m.cols;
  let node = 0;
  while (tree.feature[node]! >= 0) {
    const f = tree.feature[node]!;
    const slot = m.slots[base + f]!;
    const o = m.offset[f]!;
    const goLeft = slot === o + m.binCount[f]! ? tree.missingLeft[node] === 1 : slot <= o + tree.bin[node]!;
    node = goLeft ? tree.left[node]! : tree.right[node]!;
  }
  return node;
}
