import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  OFFLINE_TABLES,
  isDataFileName,
  parseKafkaFileName,
  parsePartitionDirName,
  partitionDir,
  tableDir,
  type KafkaFileRange,
  type OfflineTableName,
} from './offline-layout.ts';

/**
 * What is on disk, from directory and file names alone (no Parquet is opened): partitions, their data
 * files, and the highest archived source offset per topic partition, which the archiver uses to drop
 * redelivered records.
 */

export interface PartitionFiles {
  readonly table: OfflineTableName;
  /** YYYY-MM-DD */
  readonly eventDate: string;
  readonly dir: string;
  /** Absolute paths of the data files, in read order (imports, then by topic, partition, offset). */
  readonly files: readonly string[];
}

async function entries(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Names of the finished data files of a directory (temporaries and markers excluded); [] if absent. */
export async function dataFileNames(dir: string): Promise<string[]> {
  return (await entries(dir)).filter((e) => e.isFile() && isDataFileName(e.name)).map((e) => e.name);
}

function compareFileNames(a: string, b: string): number {
  const ra = parseKafkaFileName(a);
  const rb = parseKafkaFileName(b);
  if (!ra || !rb) return ra ? 1 : rb ? -1 : a < b ? -1 : a > b ? 1 : 0;
  if (ra.topic !== rb.topic) return ra.topic < rb.topic ? -1 : 1;
  if (ra.partition !== rb.partition) return ra.partition - rb.partition;
  return ra.firstOffset < rb.firstOffset ? -1 : ra.firstOffset > rb.firstOffset ? 1 : 0;
}

/**
 * Partitions of `table` with at least one data file, in date order, optionally only those with
 * firstDate <= date <= lastDate (YYYY-MM-DD strings compare like the dates they name).
 */
export async function listPartitions(root: string, table: OfflineTableName, dates: { firstDate?: string; lastDate?: string } = {}): Promise<PartitionFiles[]> {
  const out: PartitionFiles[] = [];
  for (const e of await entries(tableDir(root, table))) {
    const eventDate = parsePartitionDirName(e.name);
    if (eventDate === undefined || !e.isDirectory()) continue;
    if ((dates.firstDate !== undefined && eventDate < dates.firstDate) || (dates.lastDate !== undefined && eventDate > dates.lastDate)) continue;
    const dir = join(tableDir(root, table), e.name);
    const names = (await dataFileNames(dir)).sort(compareFileNames);
    if (names.length > 0) out.push({ table, eventDate, dir, files: names.map((n) => join(dir, n)) });
  }
  return out.sort((a, b) => (a.eventDate < b.eventDate ? -1 : a.eventDate > b.eventDate ? 1 : 0));
}

/** topic -> partition -> highest archived offset. */
export type ArchivedOffsets = Map<string, Map<number, bigint>>;

function note(into: ArchivedOffsets, r: KafkaFileRange): void {
  let byPartition = into.get(r.topic);
  if (!byPartition) into.set(r.topic, (byPartition = new Map()));
  const prev = byPartition.get(r.partition);
  if (prev === undefined || r.lastOffset > prev) byPartition.set(r.partition, r.lastOffset);
}

/**
 * Highest archived offset per topic partition among the files of ONE date of a table.
 *
 * Why per date and not per partition overall: a batch spanning dates A and B writes A's file, then B's.
 * A crash in between leaves A's file with the batch's offsets, and the redelivered batch must still
 * write B's rows. Within one (topic partition, date), files are written in offset order and a batch
 * writes all of its files before the next batch starts, so the archived offsets of a date are always a
 * prefix of that date's records: "offset <= the date's highest" is exactly "already archived".
 */
export async function archivedOffsetsForDate(root: string, table: OfflineTableName, eventDate: string): Promise<ArchivedOffsets> {
  const out: ArchivedOffsets = new Map();
  for (const name of await dataFileNames(partitionDir(root, table, eventDate))) {
    const r = parseKafkaFileName(name);
    if (r) note(out, r);
  }
  return out;
}

/** Highest archived offset per topic partition over every date of a table (what `offline ls` reports). */
export async function archivedOffsets(root: string, table: OfflineTableName): Promise<ArchivedOffsets> {
  const out: ArchivedOffsets = new Map();
  for (const p of await listPartitions(root, table)) {
    for (const file of p.files) {
      const r = parseKafkaFileName(file.slice(p.dir.length + 1));
      if (r) note(out, r);
    }
  }
  return out;
}

const TEMPORARY = /^\..+\.tmp$/;

/**
 * Deletes temporaries (hidden `*.tmp` files) older than `olderThanMs` under every table's partitions:
 * what a writer killed mid-file leaves behind. Readers never see them; this only reclaims the space.
 * The age guard keeps the temporaries of writers still running (other replicas) alone.
 */
export async function removeStaleTemporaries(root: string, olderThanMs: number, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for (const table of OFFLINE_TABLES) {
    for (const e of await entries(tableDir(root, table))) {
      if (parsePartitionDirName(e.name) === undefined || !e.isDirectory()) continue;
      const dir = join(tableDir(root, table), e.name);
      for (const f of await entries(dir)) {
        if (!f.isFile() || !TEMPORARY.test(f.name)) continue;
        const path = join(dir, f.name);
        try {
          if (now - (await stat(path)).mtimeMs < olderThanMs) continue;
          await rm(path, { force: true });
          removed.push(path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
    }
  }
  return removed;
}
