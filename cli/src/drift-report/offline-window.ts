/**
 * One time window [from, to) of the offline store as the drift report needs it: the monitored features
 * of every transaction, the model's score of each transaction and the labels known for them.
 *
 * Scores: the archived scores of exactly this model version (what it said live) when the window has
 * any; otherwise (a model that never served in the window, or a store filled by `offline import`,
 * which has no scores) the transactions are scored here with the scoring service's own model loader and
 * scorer, from the features as served. Labels are joined to scores by transaction id; a transaction
 * without a label counts for the estimated performance only.
 */
import { OfflineStoreQuery, eventDateOf, listPartitions, type OfflineTableName } from '@riskstream/shared';
import { ParquetOfflineStore } from '@riskstream/training';
import type { BatchScorer, ScoringInput } from '../batch-scoring/batch-scorer.ts';
import { SCORING_BATCH } from '../batch-scoring/batch-scorer.ts';
import type { ProgressFn } from '../progress-bar.ts';
import { EmptyWindowError, FeatureColumnsMissingError } from './drift-report-errors.ts';

export type ScoreSource = 'archived' | 'rescored';

export interface OfflineWindowRequest {
  readonly root: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** Features to read for the drift statistics. */
  readonly monitored: readonly string[];
  readonly model: { readonly name: string; readonly version: number };
  /** Loads the model for scoring; called only when the window has no archived score of it. */
  readonly loadScorer: () => Promise<BatchScorer>;
  readonly progress: ProgressFn;
}

export interface OfflineWindow {
  readonly rows: number;
  /** Column per monitored feature, same order; NaN = missing. */
  readonly features: readonly Float64Array[];
  /** Monitored features no file of the window has: read as missing everywhere. */
  readonly absentFeatures: readonly string[];
  readonly scoreSource: ScoreSource;
  /** Scored events (not necessarily every transaction when the scores are archived ones). */
  readonly scored: { readonly eventTimeMs: Float64Array; readonly scores: Float64Array; readonly labels: Int8Array };
  readonly labelledEvents: number;
}

/** Growing columns as a list of chunks, joined once at the end. */
class Chunks {
  readonly #parts: Float64Array[] = [];
  length = 0;
  push(part: Float64Array): void {
    this.#parts.push(part);
    this.length += part.length;
  }
  join(): Float64Array {
    const out = new Float64Array(this.length);
    let at = 0;
    for (const p of this.#parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

export async function readOfflineWindow(req: OfflineWindowRequest): Promise<OfflineWindow> {
  const store = new ParquetOfflineStore(req.root);
  const range = { from: new Date(req.fromMs), to: new Date(req.toMs) };
  try {
    const archived = await readArchivedScores(store, range, req);
    const labels = await readLabels(store, range, req);
    const available = new Set(await store.featureNames(range));
    const absentFeatures = req.monitored.filter((f) => !available.has(f));
    let scorer: BatchScorer | undefined;
    // No feature column at all: no transaction file either, so nothing to score (an empty window).
    if (archived.size === 0 && available.size > 0) {
      scorer = await req.loadScorer();
      const lacking = scorer.featureNames.filter((f) => !available.has(f));
      if (lacking.length > 0) {
        await scorer.release();
        throw new FeatureColumnsMissingError(req.root, lacking);
      }
    }
    try {
      return await readTransactions(store, range, req, { archived, labels, absentFeatures, scorer });
    } finally {
      await scorer?.release();
    }
  } finally {
    await store.close();
  }
}

interface Joins {
  readonly archived: ReadonlyMap<string, number>;
  readonly labels: ReadonlyMap<string, number>;
  readonly absentFeatures: readonly string[];
  readonly scorer: BatchScorer | undefined;
}

async function readTransactions(store: ParquetOfflineStore, range: { from: Date; to: Date }, req: OfflineWindowRequest, joins: Joins): Promise<OfflineWindow> {
  const total = await footerRows(req, 'transactions');
  const features = req.monitored.map(() => new Chunks());
  const scores = new Chunks();
  const scoredTimes = new Chunks();
  const labels: number[] = [];
  let rows = 0;
  for await (const batch of store.readTransactions(range)) {
    req.monitored.forEach((name, j) => features[j]!.push(Float64Array.from(batch.features?.[name] ?? new Float64Array(batch.length).fill(Number.NaN))));
    const batchScores = joins.scorer ? await scoreBatch(joins.scorer, batch.features ?? {}, batch.length) : archivedScores(joins.archived, batch.transaction_id);
    const kept = new Float64Array(batch.length);
    const keptTimes = new Float64Array(batch.length);
    let k = 0;
    for (let i = 0; i < batch.length; i++) {
      const s = batchScores[i]!;
      if (Number.isNaN(s)) continue;
      kept[k] = s;
      keptTimes[k++] = batch.event_time[i]!;
      labels.push(joins.labels.get(batch.transaction_id[i]!) ?? -1);
    }
    scores.push(kept.subarray(0, k));
    scoredTimes.push(keptTimes.subarray(0, k));
    rows += batch.length;
    req.progress('read', rows, Math.max(rows, total));
  }
  req.progress('read', rows, rows);
  if (rows === 0) throw new EmptyWindowError(req.root, req.fromMs, req.toMs);
  const labelArray = Int8Array.from(labels);
  return {
    rows,
    features: features.map((c) => c.join()),
    absentFeatures: joins.absentFeatures,
    scoreSource: joins.scorer ? 'rescored' : 'archived',
    scored: { eventTimeMs: scoredTimes.join(), scores: scores.join(), labels: labelArray },
    labelledEvents: labelArray.reduce((n, l) => n + (l >= 0 ? 1 : 0), 0),
  };
}

/** transaction id -> score of this model version, over the window. */
async function readArchivedScores(store: ParquetOfflineStore, range: { from: Date; to: Date }, req: OfflineWindowRequest): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for await (const b of store.readScores(range)) {
    for (let i = 0; i < b.length; i++) {
      if (b.model_name[i] === req.model.name && b.model_version[i] === req.model.version) out.set(b.transaction_id[i]!, b.score[i]!);
    }
  }
  return out;
}

/** transaction id -> 1 fraud / 0 genuine, for the window's transactions (labels sit in their transaction's date). */
async function readLabels(store: ParquetOfflineStore, range: { from: Date; to: Date }, req: OfflineWindowRequest): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let n = 0;
  const total = await footerRows(req, 'labels');
  for await (const b of store.readLabels(range)) {
    for (let i = 0; i < b.length; i++) out.set(b.transaction_id[i]!, b.is_fraud[i]!);
    n += b.length;
    req.progress('labels', n, Math.max(n, total));
  }
  return out;
}

function archivedScores(archived: ReadonlyMap<string, number>, ids: readonly string[]): Float64Array {
  return Float64Array.from(ids, (id) => archived.get(id) ?? Number.NaN);
}

/** Scores of one read batch; NaN where the scorer refused a row (the service never publishes those). */
async function scoreBatch(scorer: BatchScorer, columns: Readonly<Record<string, Float64Array>>, length: number): Promise<Float64Array> {
  const out = new Float64Array(length).fill(Number.NaN);
  const names = scorer.featureNames;
  for (let start = 0; start < length; start += SCORING_BATCH) {
    const end = Math.min(length, start + SCORING_BATCH);
    const inputs: ScoringInput[] = [];
    for (let i = start; i < end; i++) inputs.push({ features: Object.fromEntries(names.map((n) => [n, columns[n]?.[i] ?? Number.NaN])) });
    const result = await scorer.score(inputs);
    for (const s of result.scored) out[start + s.index] = s.score;
  }
  return out;
}

/** Rows of the table's files overlapping the window, from the Parquet footers: the progress total. */
async function footerRows(req: OfflineWindowRequest, table: OfflineTableName): Promise<number> {
  const files = (await listPartitions(req.root, table, { firstDate: eventDateOf(req.fromMs), lastDate: eventDateOf(req.toMs - 1) })).flatMap((p) => p.files);
  if (files.length === 0) return 0;
  const query = await OfflineStoreQuery.open();
  try {
    let n = 0;
    for (const rows of (await query.rowCounts(files)).values()) n += rows;
    return n;
  } finally {
    query.close();
  }
}
