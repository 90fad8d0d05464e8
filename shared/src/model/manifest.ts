/**
 * The manifest stored next to every registered model (`<registry>/<name>/<version>/manifest.json`).
 * Training writes it; the registry, the promotion gate, scoring (feature order, thresholds) and
 * monitoring (reference profiles for drift) read it. `validateManifest` is the single parser: it reports
 * every problem at once so a broken manifest is fixed in one pass, not one error per run.
 */
import { ModelError } from '../errors.ts';
import type { Model } from './tree-ensemble.ts';

export type ModelKind = Model['kind'];

export interface InputFieldSchema {
  /** Every model input is a float32 column; NaN means missing. */
  readonly type: 'float';
  readonly description: string;
}

/** Headline metrics are plain numbers (`roc_auc`); groups nest (`holdout: { roc_auc, ... }`). */
export interface ManifestMetrics {
  readonly [name: string]: number | ManifestMetrics;
}

/**
 * Histogram of a numeric value over the training (reference) data.
 * Bins: `binEdges` e_0 < e_1 < ... < e_k define k bins; bin i holds e_i < x <= e_{i+1} (the same
 * `x <= edge` convention as tree splits), and values <= e_0 or > e_k are clipped into the first and last
 * bin so every live value has a bin. `proportions` (length k) are over non-missing values and sum to 1;
 * `missingRate` is the share of NaN values among all values.
 */
export interface NumericProfile {
  readonly kind: 'numeric';
  readonly binEdges: readonly number[];
  readonly proportions: readonly number[];
  readonly missingRate: number;
}

/** Category -> share over all values (sums to 1); missing values count under their own key if tracked. */
export interface CategoricalProfile {
  readonly kind: 'categorical';
  readonly frequencies: Readonly<Record<string, number>>;
}

export type FeatureProfile = NumericProfile | CategoricalProfile;

export interface ReferenceProfile {
  /** Keyed by feature (or raw field) name. */
  readonly features: Readonly<Record<string, FeatureProfile>>;
  /** Distribution of the model's calibrated probability on the reference data. */
  readonly score: NumericProfile;
}

/** Decision thresholds on the calibrated probability: review when p >= review, decline when p >= decline. */
export interface DecisionThresholds {
  readonly review: number;
  readonly decline: number;
}

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface ModelManifest {
  readonly name: string;
  /** 1, 2, 3, ... assigned by the registry; never reused. */
  readonly version: number;
  readonly kind: ModelKind;
  /** Model input order; also the ONNX input names. */
  readonly featureNames: readonly string[];
  readonly inputSchema: Readonly<Record<string, InputFieldSchema>>;
  readonly metrics: ManifestMetrics;
  /** Hash identifying the training data (e.g. sha256 of the dataset files). */
  readonly dataHash: string;
  readonly referenceProfile: ReferenceProfile;
  readonly thresholds: DecisionThresholds;
  /** The version this one was trained to replace (usually the champion at training time). */
  readonly parentVersion?: number;
  /** ISO-8601 timestamp. */
  readonly createdAt: string;
  /** The training configuration as run (free JSON, for reproduction). */
  readonly trainingConfig: JsonValue;
  /** sha256 (hex) of the model.onnx bytes stored with this manifest. */
  readonly onnxSha256: string;
}

/** A manifest that failed validation; `issues` lists every problem with its JSON path. */
export class ManifestError extends ModelError {
  readonly issues: readonly string[];
  constructor(model: string, issues: readonly string[]) {
    super(model, `invalid manifest (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.issues = Object.freeze([...issues]);
  }
}

/** Proportions are floating-point sums; allow for rounding when checking that they add up to 1. */
const SUM_TOLERANCE = 1e-6;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isShare = (v: unknown): v is number => isFiniteNumber(v) && v >= 0 && v <= 1;

/** Parses an untrusted manifest (e.g. JSON.parse output); throws ManifestError listing every problem. */
export function validateManifest(json: unknown): ModelManifest {
  const issues: string[] = [];
  const fail = (path: string, problem: string): void => {
    issues.push(`${path}: ${problem}`);
  };
  if (!isObject(json)) throw new ManifestError('manifest', ['$: must be an object']);
  const m = json;
  const label = typeof m['name'] === 'string' && m['name'] !== '' ? m['name'] : 'manifest';

  if (typeof m['name'] !== 'string' || m['name'] === '') fail('name', 'must be a non-empty string');
  if (!Number.isSafeInteger(m['version']) || (m['version'] as number) < 1) fail('version', 'must be an integer >= 1');
  if (m['kind'] !== 'tree-ensemble' && m['kind'] !== 'linear') fail('kind', 'must be "tree-ensemble" or "linear"');

  const names = m['featureNames'];
  let featureNames: string[] = [];
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string' && n !== '')) {
    fail('featureNames', 'must be a non-empty array of non-empty strings');
  } else {
    featureNames = names as string[];
    const seen = new Set<string>();
    for (const n of featureNames) {
      if (seen.has(n)) fail('featureNames', `duplicate "${n}"`);
      seen.add(n);
    }
  }

  const schema = m['inputSchema'];
  if (!isObject(schema)) {
    fail('inputSchema', 'must be an object keyed by feature name');
  } else {
    for (const n of featureNames) if (!(n in schema)) fail(`inputSchema.${n}`, 'missing (every feature needs a schema entry)');
    for (const [key, entry] of Object.entries(schema)) {
      if (featureNames.length > 0 && !featureNames.includes(key)) fail(`inputSchema.${key}`, 'is not a feature name');
      if (!isObject(entry) || entry['type'] !== 'float' || typeof entry['description'] !== 'string') {
        fail(`inputSchema.${key}`, 'must be { type: "float", description: string }');
      }
    }
  }

  if (!isObject(m['metrics'])) fail('metrics', 'must be an object');
  else checkMetrics(m['metrics'], 'metrics', fail);

  if (typeof m['dataHash'] !== 'string' || m['dataHash'] === '') fail('dataHash', 'must be a non-empty string');

  const profile = m['referenceProfile'];
  if (!isObject(profile)) {
    fail('referenceProfile', 'must be { features, score }');
  } else {
    if (!isObject(profile['features'])) fail('referenceProfile.features', 'must be an object keyed by feature name');
    else for (const [key, p] of Object.entries(profile['features'])) checkProfile(p, `referenceProfile.features.${key}`, fail);
    checkProfile(profile['score'], 'referenceProfile.score', fail);
    if (isObject(profile['score']) && profile['score']['kind'] !== 'numeric') fail('referenceProfile.score', 'must be numeric');
  }

  const thresholds = m['thresholds'];
  if (!isObject(thresholds) || !isShare(thresholds['review']) || !isShare(thresholds['decline'])) {
    fail('thresholds', 'must be { review, decline } with values in [0,1]');
  } else if ((thresholds['review'] as number) > (thresholds['decline'] as number)) {
    fail('thresholds', 'review must not exceed decline');
  }

  if (m['parentVersion'] !== undefined) {
    if (!Number.isSafeInteger(m['parentVersion']) || (m['parentVersion'] as number) < 1) fail('parentVersion', 'must be an integer >= 1');
    else if (Number.isSafeInteger(m['version']) && (m['parentVersion'] as number) >= (m['version'] as number)) {
      fail('parentVersion', 'must be lower than version');
    }
  }
  if (typeof m['createdAt'] !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(m['createdAt']) || Number.isNaN(Date.parse(m['createdAt']))) {
    fail('createdAt', 'must be an ISO-8601 timestamp');
  }
  if (!('trainingConfig' in m) || !isJson(m['trainingConfig'])) fail('trainingConfig', 'must be present and plain JSON');
  if (typeof m['onnxSha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(m['onnxSha256'])) fail('onnxSha256', 'must be 64 lowercase hex digits');

  if (issues.length > 0) throw new ManifestError(label, issues);
  return json as unknown as ModelManifest;
}

function checkMetrics(metrics: Obj, path: string, fail: (path: string, problem: string) => void): void {
  for (const [key, value] of Object.entries(metrics)) {
    if (isObject(value)) checkMetrics(value, `${path}.${key}`, fail);
    // NaN/Infinity do not survive JSON anyway; refusing them here keeps in-memory manifests honest too.
    else if (!isFiniteNumber(value)) fail(`${path}.${key}`, 'must be a finite number or a nested group');
  }
}

function checkProfile(p: unknown, path: string, fail: (path: string, problem: string) => void): void {
  if (!isObject(p)) {
    fail(path, 'must be a numeric or categorical profile');
    return;
  }
  if (p['kind'] === 'numeric') {
    const edges = p['binEdges'];
    const props = p['proportions'];
    if (!Array.isArray(edges) || edges.length < 2 || !edges.every(isFiniteNumber)) {
      fail(`${path}.binEdges`, 'must be at least 2 finite numbers');
    } else if (edges.some((e, i) => i > 0 && e <= (edges[i - 1] as number))) {
      fail(`${path}.binEdges`, 'must be strictly increasing');
    }
    if (!Array.isArray(props) || !props.every(isShare)) {
      fail(`${path}.proportions`, 'must be numbers in [0,1]');
    } else {
      if (Array.isArray(edges) && props.length !== edges.length - 1) fail(`${path}.proportions`, `must have binEdges.length - 1 = ${edges.length - 1} entries`);
      const sum = props.reduce((s: number, v: number) => s + v, 0);
      // A feature that is always missing has no non-missing values to distribute.
      if (props.length > 0 && Math.abs(sum - 1) > SUM_TOLERANCE && !(sum === 0 && p['missingRate'] === 1)) {
        fail(`${path}.proportions`, `must sum to 1 (got ${sum})`);
      }
    }
    if (!isShare(p['missingRate'])) fail(`${path}.missingRate`, 'must be in [0,1]');
  } else if (p['kind'] === 'categorical') {
    const freq = p['frequencies'];
    if (!isObject(freq) || !Object.values(freq).every(isShare)) {
      fail(`${path}.frequencies`, 'must map categories to shares in [0,1]');
    } else {
      const sum = Object.values(freq).reduce((s: number, v) => s + (v as number), 0);
      if (Object.keys(freq).length > 0 && Math.abs(sum - 1) > SUM_TOLERANCE) fail(`${path}.frequencies`, `must sum to 1 (got ${sum})`);
    }
  } else {
    fail(`${path}.kind`, 'must be "numeric" or "categorical"');
  }
}

function isJson(v: unknown): boolean {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJson);
  if (isObject(v)) return Object.getPrototypeOf(v) === Object.prototype && Object.values(v).every(isJson);
  return false;
}
