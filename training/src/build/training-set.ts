/**
 * Versioned, content-addressed training sets: `<dir>/<hash>/{meta.json, x.f32, y.u8[, w.f32, group.i32]}`,
 * where `hash` is hashDataset of the contents. The hash is what a model manifest records as `dataHash`,
 * so a model can always be traced to (and retrained on) exactly the rows it saw.
 *
 * - The hash covers a header (format, feature names in order, rows, cols, which optional arrays exist)
 *   followed by the raw bytes of x, y and, when present, weight and group. It is order-sensitive (the
 *   same rows shuffled are a different training set, since the split and the model depend on order) and
 *   byte-exact (-0 and 0, or two NaN payloads, differ), which is what "identical input" means for a
 *   reproducible run. Arrays are hashed and stored little-endian, i.e. as they sit in memory; a
 *   big-endian host is refused rather than silently producing different hashes.
 * - Writing is atomic: files go to a temporary sibling directory that is fsync'ed and renamed into place,
 *   so `<dir>/<hash>` either does not exist or is complete. It is idempotent: an existing `<dir>/<hash>`
 *   is left untouched (same hash, same bytes), and losing a rename race to another writer is success.
 * - Loading re-hashes the bytes and refuses a set whose contents do not match the hash in its meta.json.
 */

import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, ValidationError } from '@riskstream/shared';
import type { JsonValue } from '@riskstream/shared/model';
import { createDataset } from '../data/dataset.ts';
import type { Dataset } from '../data/dataset.ts';
import { fsyncDirectory, tempName, writeFileDurable } from '../registry/atomic-write.ts';

export const TRAINING_SET_FORMAT = 'riskstream-training-set/1';

const FILES = { meta: 'meta.json', x: 'x.f32', y: 'y.u8', weight: 'w.f32', group: 'group.i32' } as const;

export interface TrainingSetMeta {
  /** Where the rows came from: a sentence or a JSON description (e.g. { kind: 'csv', file, seed }). */
  source: JsonValue;
  /** Free JSON recorded alongside (split, cutoff, feature-set version, ...). */
  details?: JsonValue;
}

/** meta.json as stored. */
export interface StoredTrainingSetMeta {
  readonly format: typeof TRAINING_SET_FORMAT;
  readonly hash: string;
  readonly featureNames: readonly string[];
  readonly rows: number;
  readonly cols: number;
  readonly hasWeight: boolean;
  readonly hasGroup: boolean;
  readonly byteOrder: 'little';
  readonly source: JsonValue;
  readonly details?: JsonValue;
  /** ISO-8601 time of the first save. */
  readonly created_at: string;
}

export interface SavedTrainingSet {
  /** `<dir>/<hash>`. */
  readonly path: string;
  readonly hash: string;
  /** False when the set was already there (nothing was written). */
  readonly created: boolean;
}

function assertLittleEndian(): void {
  if (endianness() !== 'LE') {
    throw new ValidationError('TRAINING_SET_BYTE_ORDER', [{ path: 'host', problem: 'training sets are stored little-endian; this host is big-endian' }]);
  }
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** sha256 (hex) identifying a dataset's exact contents and order; see the header. */
export function hashDataset(ds: Dataset): string {
  assertLittleEndian();
  const header = JSON.stringify({
    format: TRAINING_SET_FORMAT,
    featureNames: ds.featureNames,
    rows: ds.rows,
    cols: ds.cols,
    hasWeight: ds.weight !== undefined,
    hasGroup: ds.group !== undefined,
  });
  // The header fixes every array's length, so concatenating the arrays after it is unambiguous.
  const h = createHash('sha256').update(header).update('\n').update(bytesOf(ds.x)).update(bytesOf(ds.y));
  if (ds.weight) h.update(bytesOf(ds.weight));
  if (ds.group) h.update(bytesOf(ds.group));
  return h.digest('hex');
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Saves `ds` under `<dir>/<hash>` (atomic, idempotent; see the header). */
export async function saveTrainingSet(dir: string, ds: Dataset, meta: TrainingSetMeta): Promise<SavedTrainingSet> {
  const hash = hashDataset(ds);
  const target = join(dir, hash);
  if (await exists(target)) return { path: target, hash, created: false };
  await mkdir(dir, { recursive: true });
  const temp = join(dir, tempName());
  const stored: StoredTrainingSetMeta = {
    format: TRAINING_SET_FORMAT,
    hash,
    featureNames: ds.featureNames,
    rows: ds.rows,
    cols: ds.cols,
    hasWeight: ds.weight !== undefined,
    hasGroup: ds.group !== undefined,
    byteOrder: 'little',
    source: meta.source,
    ...(meta.details !== undefined ? { details: meta.details } : {}),
    created_at: new Date().toISOString(),
  };
  try {
    await mkdir(temp);
    await writeFileDurable(join(temp, FILES.x), bytesOf(ds.x));
    await writeFileDurable(join(temp, FILES.y), bytesOf(ds.y));
    if (ds.weight) await writeFileDurable(join(temp, FILES.weight), bytesOf(ds.weight));
    if (ds.group) await writeFileDurable(join(temp, FILES.group), bytesOf(ds.group));
    // meta.json last: its presence marks a complete set even to a reader that ignores the rename protocol.
    await writeFileDurable(join(temp, FILES.meta), `${JSON.stringify(stored, null, 2)}\n`);
    await fsyncDirectory(temp);
    try {
      await rename(temp, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // rename(2) onto a non-empty directory fails: another writer saved the same hash first.
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await exists(target))) {
        await rm(temp, { recursive: true, force: true });
        return { path: target, hash, created: false };
      }
      throw err;
    }
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw err;
  }
  await fsyncDirectory(dir);
  return { path: target, hash, created: true };
}

function invalid(path: string, problem: string): ValidationError {
  return new ValidationError('TRAINING_SET_INVALID', [{ path, problem }]);
}

async function readArray<T extends ArrayBufferView>(file: string, make: (n: number) => T, n: number): Promise<T> {
  const bytes = await readFile(file);
  const out = make(n);
  if (bytes.byteLength !== out.byteLength) throw invalid(file, `has ${bytes.byteLength} bytes, expected ${out.byteLength}`);
  // Copy instead of viewing: a Buffer's offset need not be aligned for a Float32Array/Int32Array view.
  bytesOf(out).set(bytes);
  return out;
}

function parseMeta(text: string, file: string): StoredTrainingSetMeta {
  let m: Partial<StoredTrainingSetMeta>;
  try {
    m = JSON.parse(text) as Partial<StoredTrainingSetMeta>;
  } catch (err) {
    throw new ValidationError('TRAINING_SET_INVALID', [{ path: file, problem: `is not JSON (${(err as Error).message})` }]);
  }
  const problems: string[] = [];
  if (m.format !== TRAINING_SET_FORMAT) problems.push(`format must be ${TRAINING_SET_FORMAT}, got ${String(m.format)}`);
  if (typeof m.hash !== 'string' || !/^[0-9a-f]{64}$/.test(m.hash)) problems.push('hash must be 64 hex digits');
  if (!Array.isArray(m.featureNames) || !m.featureNames.every((n) => typeof n === 'string')) problems.push('featureNames must be strings');
  if (!Number.isSafeInteger(m.rows) || m.rows! < 0) problems.push('rows must be an integer >= 0');
  if (!Array.isArray(m.featureNames) || m.cols !== m.featureNames.length) problems.push('cols must equal featureNames.length');
  if (m.byteOrder !== 'little') problems.push('byteOrder must be little');
  if (problems.length > 0) throw new ValidationError('TRAINING_SET_INVALID', problems.map((problem) => ({ path: file, problem })));
  return m as StoredTrainingSetMeta;
}

/** Loads a set saved by saveTrainingSet (path = `<dir>/<hash>`), verifying its hash. */
export async function loadTrainingSet(path: string): Promise<Dataset> {
  assertLittleEndian();
  const metaFile = join(path, FILES.meta);
  let text: string;
  try {
    text = await readFile(metaFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('training set', `${path} has no ${FILES.meta}`);
    throw err;
  }
  const meta = parseMeta(text, metaFile);
  const x = await readArray(join(path, FILES.x), (n) => new Float32Array(n), meta.rows * meta.cols);
  const y = await readArray(join(path, FILES.y), (n) => new Uint8Array(n), meta.rows);
  const weight = meta.hasWeight ? await readArray(join(path, FILES.weight), (n) => new Float32Array(n), meta.rows) : undefined;
  const group = meta.hasGroup ? await readArray(join(path, FILES.group), (n) => new Int32Array(n), meta.rows) : undefined;
  const ds = createDataset({ featureNames: meta.featureNames, x, y, ...(weight ? { weight } : {}), ...(group ? { group } : {}) });
  const hash = hashDataset(ds);
  if (hash !== meta.hash) throw invalid(path, `contents hash to ${hash}, but meta.json says ${meta.hash}`);
  return ds;
}
