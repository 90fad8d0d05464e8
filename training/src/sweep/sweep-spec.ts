/**
 * The `--sweep` syntax (hydra multirun's): space-separated `KEY=VALUES` axes.
 *
 *   gbdt.maxLeaves=15,31,63 gbdt.learningRate=0.05,0.1          a grid of 6 configurations
 *   rf.nEstimators=10,50,80 rf.maxDepth=range(7,17,5)           range(start, stop[, step]), stop excluded
 *   gbdt.learningRate=loguniform(0.01,0.2) gbdt.lambda=uniform(0,10)   continuous: --sweep-random only
 *
 * Keys: algorithm, seed, gbdt.<option>, rf.<option> (training/src/models/*-options.ts), with the names
 * of LightGBM and scikit-learn accepted too (numLeaves, learning_rate, n_estimators, max_depth, and the
 * example's random_forest. prefix). Every configuration is validated before anything trains.
 */
import { UsageError } from '@riskstream/shared';
import { DEFAULT_GBDT_OPTIONS, resolveGbdtOptions, type GbdtOptions } from '../models/gbdt-options.ts';
import { DEFAULT_RANDOM_FOREST_OPTIONS, resolveRandomForestOptions, type RandomForestOptions } from '../models/random-forest-options.ts';
import { ALGORITHMS, isAlgorithm } from '../pipeline/fit-candidate.ts';
import type { TrainOptions } from '../pipeline/train-model.ts';
import { createRng } from '../random.ts';

export type SweepValue = number | string;

export type SweepAxis =
  | { readonly key: string; readonly kind: 'values'; readonly values: readonly SweepValue[] }
  | { readonly key: string; readonly kind: 'uniform' | 'loguniform'; readonly min: number; readonly max: number };

/** One configuration: canonical key -> value. */
export type SweepConfig = Readonly<Record<string, SweepValue>>;

const ALIASES: Readonly<Record<string, string>> = {
  'gbdt.numLeaves': 'gbdt.maxLeaves',
  'gbdt.num_leaves': 'gbdt.maxLeaves',
  'gbdt.learning_rate': 'gbdt.learningRate',
  'gbdt.max_depth': 'gbdt.maxDepth',
  'gbdt.n_estimators': 'gbdt.rounds',
  'gbdt.min_child_samples': 'gbdt.minSamplesLeaf',
  'rf.n_estimators': 'rf.nEstimators',
  'rf.max_depth': 'rf.maxDepth',
  'rf.min_samples_leaf': 'rf.minSamplesLeaf',
  'rf.max_features': 'rf.maxFeatures',
  'rf.max_samples': 'rf.maxSamples',
};

const AXIS = /([A-Za-z_][A-Za-z0-9_.]*)=((?:range|uniform|loguniform)\([^)]*\)|\S+)/y;

export function parseSweep(text: string): SweepAxis[] {
  const axes: SweepAxis[] = [];
  let at = 0;
  const rest = () => text.slice(at);
  while (at < text.length) {
    if (/\s/.test(text[at]!)) {
      at++;
      continue;
    }
    AXIS.lastIndex = at;
    const m = AXIS.exec(text);
    if (!m) throw new UsageError(`--sweep: expected KEY=VALUES at ${JSON.stringify(rest())}`);
    at = AXIS.lastIndex;
    const key = canonicalKey(m[1]!);
    if (axes.some((a) => a.key === key)) throw new UsageError(`--sweep: ${key} is given twice`);
    axes.push(parseValues(key, m[2]!));
  }
  if (axes.length === 0) throw new UsageError('--sweep is empty: give KEY=VALUES axes, e.g. gbdt.maxLeaves=15,31,63');
  return axes;
}

function canonicalKey(raw: string): string {
  const key = ALIASES[raw.replace(/^random_forest\./, 'rf.')] ?? raw.replace(/^random_forest\./, 'rf.');
  if (key === 'algorithm' || key === 'seed') return key;
  const [group, option, ...more] = key.split('.');
  const known = group === 'gbdt' ? Object.keys(DEFAULT_GBDT_OPTIONS) : group === 'rf' ? Object.keys(DEFAULT_RANDOM_FOREST_OPTIONS) : undefined;
  if (!known || more.length > 0 || !option || !known.includes(option) || option === 'seed') {
    const hint = known ? `${group}.<${known.filter((k) => k !== 'seed').join('|')}>` : 'algorithm, seed, gbdt.<option> or rf.<option>';
    throw new UsageError(`--sweep: unknown key ${JSON.stringify(raw)}; use ${hint}`);
  }
  return key;
}

function parseValues(key: string, raw: string): SweepAxis {
  const call = /^(range|uniform|loguniform)\(([^)]*)\)$/.exec(raw);
  if (!call) return { key, kind: 'values', values: raw.split(',').filter((v) => v !== '').map(scalar) };
  const args = call[2]!.split(',').map((a) => Number(a.trim()));
  if (args.some((a) => !Number.isFinite(a))) throw new UsageError(`--sweep: ${key}=${raw} needs numeric arguments`);
  if (call[1] === 'range') return { key, kind: 'values', values: pythonRange(key, raw, args) };
  const [min, max] = args;
  if (args.length !== 2 || !(min! < max!) || (call[1] === 'loguniform' && !(min! > 0))) {
    throw new UsageError(`--sweep: ${key}=${raw} must be ${call[1]}(min,max) with min < max${call[1] === 'loguniform' ? ' and min > 0' : ''}`);
  }
  return { key, kind: call[1] as 'uniform' | 'loguniform', min: min!, max: max! };
}

function pythonRange(key: string, raw: string, args: number[]): number[] {
  const [start, stop, step] = args.length === 1 ? [0, args[0]!, 1] : [args[0]!, args[1]!, args[2] ?? 1];
  if (args.length > 3 || step === 0) throw new UsageError(`--sweep: ${key}=${raw} must be range(stop), range(start,stop) or range(start,stop,step) with step != 0`);
  const out: number[] = [];
  for (let v = start; step > 0 ? v < stop : v > stop; v += step) out.push(v);
  if (out.length === 0) throw new UsageError(`--sweep: ${key}=${raw} is empty`);
  return out;
}

function scalar(v: string): SweepValue {
  return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(v) ? Number(v) : v;
}

/** Every combination, the first axis varying slowest (hydra's order). */
export function gridConfigs(axes: readonly SweepAxis[]): SweepConfig[] {
  let configs: Record<string, SweepValue>[] = [{}];
  for (const axis of axes) {
    if (axis.kind !== 'values') throw new UsageError(`--sweep: ${axis.key} is a ${axis.kind} range: a grid needs listed values (or use --sweep-random N)`);
    configs = configs.flatMap((c) => axis.values.map((v) => ({ ...c, [axis.key]: v })));
  }
  return configs;
}

/** n configurations drawn with a seed; from a finite grid they are distinct while the grid lasts. */
export function randomConfigs(axes: readonly SweepAxis[], n: number, seed: number): SweepConfig[] {
  const rng = createRng(seed);
  if (axes.every((a) => a.kind === 'values')) {
    const grid = gridConfigs(axes);
    const order = grid.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.nextInt(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return Array.from({ length: n }, (_, i) => grid[order[i % grid.length]!]!);
  }
  return Array.from({ length: n }, () => Object.fromEntries(axes.map((a) => [a.key, draw(a, rng.next())])));
}

function draw(axis: SweepAxis, u: number): SweepValue {
  if (axis.kind === 'values') return axis.values[Math.min(axis.values.length - 1, Math.floor(u * axis.values.length))]!;
  if (axis.kind === 'uniform') return axis.min + u * (axis.max - axis.min);
  return Math.exp(Math.log(axis.min) + u * (Math.log(axis.max) - Math.log(axis.min)));
}

/** The training options of one configuration over the base options; throws on an invalid value. */
export function applyConfig(base: TrainOptions, config: SweepConfig): TrainOptions {
  const gbdt: Record<string, SweepValue> = { ...(base.gbdt as Record<string, SweepValue>) };
  const rf: Record<string, SweepValue> = { ...(base.rf as Record<string, SweepValue>) };
  let { algorithm = 'gbdt', seed } = base;
  for (const [key, value] of Object.entries(config)) {
    if (key === 'algorithm') {
      if (typeof value !== 'string' || !isAlgorithm(value)) throw new UsageError(`--sweep: algorithm must be one of ${ALGORITHMS.join(', ')}, got ${value}`);
      algorithm = value;
    } else if (key === 'seed') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new UsageError(`--sweep: seed must be an integer >= 0, got ${value}`);
      seed = value;
    } else if (key.startsWith('gbdt.')) gbdt[key.slice(5)] = value;
    else rf[key.slice(3)] = value;
  }
  resolveGbdtOptions(gbdt as Partial<GbdtOptions>);
  resolveRandomForestOptions(rf as Partial<RandomForestOptions>);
  return { ...base, algorithm, seed, gbdt: gbdt as Partial<GbdtOptions>, rf: rf as Partial<RandomForestOptions> };
}

/** How a configuration reads in a table: key=value pairs. */
export function describeConfig(config: SweepConfig): string {
  return Object.entries(config)
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v}`)
    .join(' ');
}
