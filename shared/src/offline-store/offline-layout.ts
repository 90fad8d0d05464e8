import { join } from 'node:path';
import { ValidationError } from '../errors.ts';

/**
 * The ONE description of the offline store's layout, used by the archiver (writer), the batch import and
 * the training reader. Hive-style partitions by the UTC date of the TRANSACTION's event time:
 *
 *   <root>/transactions/event_date=YYYY-MM-DD/<file>.parquet   transactions.enriched.v1: the valid fields
 *                                                              plus the features AS SERVED (one DOUBLE
 *                                                              column per feature, NULL = missing)
 *   <root>/labels/event_date=YYYY-MM-DD/<file>.parquet         transactions.labels.v1 (a label sits in its
 *                                                              transaction's date, not its labelled_at date)
 *   <root>/scores/event_date=YYYY-MM-DD/<file>.parquet         transactions.scored.v1 (reasons as JSON text)
 *
 * Archiving the features as they were served ("log and wait") means a retrained model learns from exactly
 * the inputs the online model saw, so training/serving skew cannot creep in through a re-computation.
 *
 * File names carry where the rows came from, which is what makes archiving exactly-once:
 *   <topic>+<partition>+<firstOffset>-<lastOffset>.parquet    rows archived from Kafka; first/last are the
 *                                                              exact lowest and highest source offsets of
 *                                                              the rows IN THAT FILE
 *   import+<source id>.parquet                                 rows of a batch import (one file per date
 *                                                              per source, so re-importing overwrites)
 * Names starting with '.' (temporaries being written) or '_' (markers) are never data.
 *
 * Units are those of the Avro topics: times are epoch milliseconds UTC (BIGINT), amounts currency units.
 */

export const OFFLINE_TABLES = ['transactions', 'labels', 'scores'] as const;
export type OfflineTableName = (typeof OFFLINE_TABLES)[number];

export type OfflineColumnType = 'VARCHAR' | 'DOUBLE' | 'BIGINT' | 'INTEGER' | 'BOOLEAN';

export interface OfflineColumn {
  readonly name: string;
  readonly type: OfflineColumnType;
  readonly nullable: boolean;
  readonly description: string;
}

function col(name: string, type: OfflineColumnType, nullable: boolean, description: string): OfflineColumn {
  return Object.freeze({ name, type, nullable, description });
}

/** Where a row came from: NULL for imported rows. Kept per row so lineage survives compaction. */
const SOURCE_COLUMNS = [
  col('kafka_partition', 'INTEGER', true, 'source partition of the record; NULL for imported rows'),
  col('kafka_offset', 'BIGINT', true, 'source offset of the record; NULL for imported rows'),
] as const;

/** Base columns of `transactions`; every other column of the table is a feature (DOUBLE, NULL = missing). */
export const TRANSACTION_COLUMNS: readonly OfflineColumn[] = Object.freeze([
  col('transaction_id', 'VARCHAR', false, 'transaction id'),
  col('card_token', 'VARCHAR', false, 'pseudonymised card (HMAC of the card number)'),
  col('terminal_id', 'VARCHAR', true, 'terminal id'),
  col('amount', 'DOUBLE', false, 'amount in currency units'),
  col('currency', 'VARCHAR', false, 'ISO 4217 code'),
  col('channel', 'VARCHAR', true, 'pos, ecom or atm'),
  col('event_time', 'BIGINT', false, 'event time, epoch ms UTC'),
  col('ingest_time', 'BIGINT', false, 'ingest time, epoch ms UTC'),
  col('feature_set', 'VARCHAR', false, 'feature definition version the features were computed with'),
  ...SOURCE_COLUMNS,
]);

export const LABEL_COLUMNS: readonly OfflineColumn[] = Object.freeze([
  col('transaction_id', 'VARCHAR', false, 'id of the labelled transaction'),
  col('terminal_id', 'VARCHAR', true, 'terminal of the labelled transaction'),
  col('event_time', 'BIGINT', false, 'event time of the labelled transaction, epoch ms UTC'),
  col('is_fraud', 'BOOLEAN', false, 'true = fraud'),
  col('labelled_at', 'BIGINT', false, 'when the label became known, epoch ms UTC'),
  ...SOURCE_COLUMNS,
]);

export const SCORE_COLUMNS: readonly OfflineColumn[] = Object.freeze([
  col('transaction_id', 'VARCHAR', false, 'transaction id'),
  col('event_time', 'BIGINT', false, 'event time, epoch ms UTC'),
  col('card_token', 'VARCHAR', false, 'pseudonymised card'),
  col('terminal_id', 'VARCHAR', true, 'terminal id'),
  col('amount', 'DOUBLE', false, 'amount in currency units'),
  col('score', 'DOUBLE', false, 'calibrated probability of fraud'),
  col('decision', 'VARCHAR', false, 'APPROVE, REVIEW or DECLINE'),
  col('model_name', 'VARCHAR', false, 'model that scored'),
  col('model_version', 'INTEGER', false, 'its version'),
  col('reasons', 'VARCHAR', false, 'JSON array of {feature, contribution}'),
  col('latency_ms', 'DOUBLE', false, 'ingest to scoring latency'),
  col('challenger_score', 'DOUBLE', true, 'shadow score'),
  col('challenger_version', 'INTEGER', true, 'shadow model version'),
  ...SOURCE_COLUMNS,
]);

export const OFFLINE_BASE_COLUMNS: Readonly<Record<OfflineTableName, readonly OfflineColumn[]>> = Object.freeze({
  transactions: TRANSACTION_COLUMNS,
  labels: LABEL_COLUMNS,
  scores: SCORE_COLUMNS,
});

/** The Hive partition column DuckDB derives from the directory name. */
export const PARTITION_COLUMN = 'event_date';

/**
 * Columns of a transactions file: the base columns, then one DOUBLE per feature in the given order.
 * Throws when a feature name would collide with a base column: DuckDB identifiers are case-insensitive,
 * so `AMOUNT` would shadow `amount`.
 */
export function transactionColumns(featureNames: readonly string[]): readonly OfflineColumn[] {
  const issues = featureNameIssues(featureNames);
  if (issues.length > 0) throw new ValidationError('FEATURE_NAME_INVALID', issues);
  return [...TRANSACTION_COLUMNS, ...featureNames.map((n) => col(n, 'DOUBLE', true, 'feature value as served; NULL = missing'))];
}

const RESERVED = new Set([...TRANSACTION_COLUMNS.map((c) => c.name), PARTITION_COLUMN]);

export function featureNameIssues(featureNames: readonly string[]): { path: string; problem: string }[] {
  const issues: { path: string; problem: string }[] = [];
  const seen = new Set<string>();
  for (const name of featureNames) {
    const lower = name.toLowerCase();
    if (name === '' || name.length > 128 || /[\u0000-\u001f]/.test(name)) issues.push({ path: `features.${name}`, problem: 'must be 1-128 printable characters' });
    else if (RESERVED.has(lower)) issues.push({ path: `features.${name}`, problem: `collides with the column "${lower}"` });
    else if (seen.has(lower)) issues.push({ path: `features.${name}`, problem: 'differs from another feature name only by case' });
    seen.add(lower);
  }
  return issues;
}

/** Base column names of a table, for telling features apart from the rest when reading. */
export function isBaseColumn(table: OfflineTableName, name: string): boolean {
  return name === PARTITION_COLUMN || OFFLINE_BASE_COLUMNS[table].some((c) => c.name === name);
}

// ---------------------------------------------------------------------------------------------------
// Paths

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const PARTITION_DIR = /^event_date=(\d{4}-\d{2}-\d{2})$/;

/** UTC date (YYYY-MM-DD) of an epoch-ms time: the partition a row belongs to. */
export function eventDateOf(epochMs: number): string {
  if (!Number.isFinite(epochMs)) throw new ValidationError('EVENT_TIME_INVALID', [{ path: 'event_time', problem: `must be finite epoch ms, got ${epochMs}` }]);
  const iso = new Date(epochMs).toISOString();
  // Years outside 0000-9999 print as +010000-...; such a time is a unit bug upstream (seconds vs µs).
  if (!DATE.test(iso.slice(0, 10))) throw new ValidationError('EVENT_TIME_INVALID', [{ path: 'event_time', problem: `${epochMs} is outside years 0000-9999` }]);
  return iso.slice(0, 10);
}

/** First epoch ms of a partition date. */
export function dateStartMs(eventDate: string): number {
  return Date.parse(`${eventDate}T00:00:00.000Z`);
}

export function tableDir(root: string, table: OfflineTableName): string {
  return join(root, table);
}

export function partitionDirName(eventDate: string): string {
  if (!DATE.test(eventDate) || Number.isNaN(dateStartMs(eventDate))) throw new ValidationError('EVENT_DATE_INVALID', [{ path: 'event_date', problem: `"${eventDate}" is not YYYY-MM-DD` }]);
  return `${PARTITION_COLUMN}=${eventDate}`;
}

export function partitionDir(root: string, table: OfflineTableName, eventDate: string): string {
  return join(root, table, partitionDirName(eventDate));
}

/** The date of a partition directory name, or undefined for anything else. */
export function parsePartitionDirName(name: string): string | undefined {
  return PARTITION_DIR.exec(name)?.[1];
}

// ---------------------------------------------------------------------------------------------------
// File names

export const DATA_FILE_SUFFIX = '.parquet';

/** Source coordinates of the rows in one archived file. */
export interface KafkaFileRange {
  readonly topic: string;
  readonly partition: number;
  /** Lowest source offset of the rows in the file. */
  readonly firstOffset: bigint;
  /** Highest source offset of the rows in the file. */
  readonly lastOffset: bigint;
}

// Topic names are [A-Za-z0-9._-] (the catalog plus a namespace), so '+' cannot occur inside one.
const TOPIC_NAME = /^[A-Za-z0-9._-]+$/;
const KAFKA_FILE = /^([A-Za-z0-9._-]+)\+(\d+)\+(\d+)-(\d+)\.parquet$/;
const IMPORT_FILE = /^import\+([A-Za-z0-9._-]+)\.parquet$/;

export function kafkaFileName(range: KafkaFileRange): string {
  if (!TOPIC_NAME.test(range.topic)) throw new ValidationError('TOPIC_NAME_INVALID', [{ path: 'topic', problem: `"${range.topic}" must match ${TOPIC_NAME}` }]);
  if (!Number.isInteger(range.partition) || range.partition < 0) throw new ValidationError('PARTITION_INVALID', [{ path: 'partition', problem: `must be an integer >= 0, got ${range.partition}` }]);
  if (range.firstOffset < 0n || range.lastOffset < range.firstOffset) {
    throw new ValidationError('OFFSET_RANGE_INVALID', [{ path: 'offsets', problem: `need 0 <= first <= last, got ${range.firstOffset}-${range.lastOffset}` }]);
  }
  return `${range.topic}+${range.partition}+${range.firstOffset}-${range.lastOffset}${DATA_FILE_SUFFIX}`;
}

/** The source range of an archived file's name; undefined for imported files and anything else. */
export function parseKafkaFileName(name: string): KafkaFileRange | undefined {
  const m = KAFKA_FILE.exec(name);
  if (!m) return undefined;
  const firstOffset = BigInt(m[3]!);
  const lastOffset = BigInt(m[4]!);
  if (lastOffset < firstOffset) return undefined;
  return { topic: m[1]!, partition: Number(m[2]), firstOffset, lastOffset };
}

/** `sourceId` identifies the imported data (a content hash), so the same import lands on the same name. */
export function importFileName(sourceId: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(sourceId)) throw new ValidationError('SOURCE_ID_INVALID', [{ path: 'sourceId', problem: 'must be 1-64 characters of [A-Za-z0-9._-]' }]);
  return `import+${sourceId}${DATA_FILE_SUFFIX}`;
}

export function isImportFileName(name: string): boolean {
  return IMPORT_FILE.test(name);
}

/** A finished data file (not a temporary being written, not a marker). */
export function isDataFileName(name: string): boolean {
  return name.endsWith(DATA_FILE_SUFFIX) && !name.startsWith('.') && !name.startsWith('_');
}

/** Where a file is written before its atomic rename; the leading '.' hides it from every reader. */
export function temporaryFileName(finalName: string, unique: string): string {
  return `.${finalName}.${unique}.tmp`;
}
