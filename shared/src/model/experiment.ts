/**
 * A live experiment: which model versions (arms) decide which cards, and in what shares. The registry
 * keeps the running one in aliases.json (`experiment`), beside the champion and challenger aliases, so a
 * scoring instance that starts mid-experiment serves it; models.lifecycle.v1 announces every change
 * (EXPERIMENT_STARTED, ARM_WEIGHTS, EXPERIMENT_STOPPED).
 *
 * Routing is sticky: a card's bucket is a hash of the experiment name and the card token, in [0, 1), and
 * the arm whose cumulative weight range holds it decides. A split never changes its weights, so a card
 * stays on one arm for the whole experiment; a bandit's changing weights move only the cards at the
 * boundaries between ranges. Arm 0 is the control: the champion when the experiment started.
 */
import { createHash } from 'node:crypto';
import { ModelError } from '../errors.ts';
import type { ExperimentRecord } from '../topic-records.ts';

export const EXPERIMENT_MODES = ['split', 'bandit'] as const;
export type ExperimentMode = (typeof EXPERIMENT_MODES)[number];

export interface ExperimentArm {
  /** The label users gave it (`champion`, `v7`); what scored records carry as experiment_arm. */
  readonly arm: string;
  readonly version: number;
}

export interface ExperimentSpec {
  readonly name: string;
  readonly mode: ExperimentMode;
  /** Arm 0 is the control. */
  readonly arms: readonly ExperimentArm[];
  /** One per arm, each in [0, 1], summing to 1. */
  readonly weights: readonly number[];
  /** Bandit: the largest share any arm but the control may get. */
  readonly maxShare: number;
  /** Bandit: labelled events an arm needs before it can be stopped (estimates move traffic, never stop an arm). */
  readonly minEvents: number;
  /** Epoch ms. */
  readonly startedAt: number;
}

const NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/i;
const WEIGHT_SUM_TOLERANCE = 1e-6;

/** What is wrong with a spec (empty when nothing is). */
export function experimentProblems(spec: ExperimentSpec): string[] {
  const problems: string[] = [];
  if (!NAME_PATTERN.test(spec.name)) problems.push(`name "${spec.name}" must match ${NAME_PATTERN}`);
  if (!EXPERIMENT_MODES.includes(spec.mode)) problems.push(`mode must be one of ${EXPERIMENT_MODES.join(', ')}`);
  if (spec.arms.length < 2) problems.push('an experiment needs at least two arms');
  const labels = new Set(spec.arms.map((a) => a.arm));
  const versions = new Set(spec.arms.map((a) => a.version));
  if (labels.size !== spec.arms.length || versions.size !== spec.arms.length) problems.push('arms must be distinct model versions with distinct labels');
  if (spec.arms.some((a) => !Number.isSafeInteger(a.version) || a.version < 1)) problems.push('every arm must name a model version >= 1');
  if (spec.weights.length !== spec.arms.length) problems.push(`${spec.weights.length} weights for ${spec.arms.length} arms`);
  else if (spec.weights.some((w) => !(w >= 0 && w <= 1))) problems.push('weights must be in [0, 1]');
  else if (Math.abs(spec.weights.reduce((s, w) => s + w, 0) - 1) > WEIGHT_SUM_TOLERANCE) problems.push('weights must sum to 1');
  if (!(spec.maxShare > 0 && spec.maxShare <= 1)) problems.push('maxShare must be in (0, 1]');
  if (!Number.isSafeInteger(spec.minEvents) || spec.minEvents < 0) problems.push('minEvents must be an integer >= 0');
  return problems;
}

/** A spec read from aliases.json or an HTTP answer; ModelError when it is not a valid one. */
export function parseExperiment(model: string, json: unknown): ExperimentSpec {
  const doc = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const arms = Array.isArray(doc['arms']) ? (doc['arms'] as Record<string, unknown>[]) : [];
  const spec: ExperimentSpec = {
    name: String(doc['name'] ?? ''),
    mode: doc['mode'] as ExperimentMode,
    arms: arms.map((a) => ({ arm: String(a?.['arm'] ?? ''), version: Number(a?.['version']) })),
    weights: Array.isArray(doc['weights']) ? (doc['weights'] as unknown[]).map(Number) : [],
    maxShare: Number(doc['maxShare']),
    minEvents: Number(doc['minEvents']),
    startedAt: Number(doc['startedAt']),
  };
  const problems = experimentProblems(spec);
  if (!Number.isFinite(spec.startedAt)) problems.push('startedAt must be epoch ms');
  if (problems.length > 0) throw new ModelError(model, `experiment: ${problems.join('; ')}`);
  return spec;
}

/** The card's sticky position in [0, 1) for this experiment (a SHA-256 of name and token). */
export function experimentBucket(experimentName: string, cardToken: string): number {
  return createHash('sha256').update(experimentName).update('\0').update(cardToken).digest().readUInt32BE(0) / 2 ** 32;
}

/** The index of the arm that decides for this card: the one whose cumulative weight range holds its bucket. */
export function armIndexFor(spec: Pick<ExperimentSpec, 'name' | 'weights'>, cardToken: string): number {
  const bucket = experimentBucket(spec.name, cardToken);
  let upTo = 0;
  for (let i = 0; i < spec.weights.length; i++) {
    upTo += spec.weights[i]!;
    if (bucket < upTo) return i;
  }
  // Rounding can leave the sum a hair under 1: the last arm with any weight takes the remainder.
  for (let i = spec.weights.length - 1; i >= 0; i--) if (spec.weights[i]! > 0) return i;
  return 0;
}

/** The spec as models.lifecycle.v1 carries it. */
export function experimentRecord(spec: ExperimentSpec): ExperimentRecord {
  return {
    name: spec.name,
    mode: spec.mode,
    arms: spec.arms.map((a) => ({ arm: a.arm, version: a.version })),
    weights: [...spec.weights],
    max_share: spec.maxShare,
    min_events: spec.minEvents,
    started_at: spec.startedAt,
  };
}

/** The spec a lifecycle event carries; ModelError when it is not a valid one. */
export function experimentFromRecord(model: string, record: ExperimentRecord): ExperimentSpec {
  return parseExperiment(model, {
    name: record.name,
    mode: record.mode,
    arms: record.arms,
    weights: record.weights,
    maxShare: record.max_share,
    minEvents: Number(record.min_events),
    startedAt: Number(record.started_at),
  });
}
