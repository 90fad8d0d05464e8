import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError, OfflineStoreQuery, ParquetFileWriter, ValidationError, type ColumnarBatch, type OfflineColumn } from '@riskstream/shared';

const COLUMNS: OfflineColumn[] = [
  { name: 'id', type: 'VARCHAR', nullable: false, description: '' },
  { name: 'score', type: 'DOUBLE', nullable: true, description: '' },
  { name: 'version', type: 'INTEGER', nullable: false, description: '' },
];

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'parquet-file-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('ParquetFileWriter: appended batches become one file at any path, in order, NULL and NaN as NULL', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'scores.parquet');
  const writer = await ParquetFileWriter.open(path, COLUMNS);
  writer.append([['a', 0.5, 1], ['b', null, 1]]);
  writer.append([['c', Number.NaN, 2]]);
  assert.deepEqual(await readdir(dir), [], 'nothing appears before finish');
  const written = await writer.finish();
  assert.equal(written.rows, 3);
  assert.ok(written.bytes > 0);
  assert.deepEqual(await readdir(dir), ['scores.parquet']);
  const query = await OfflineStoreQuery.open();
  t.after(() => query.close());
  const batches: ColumnarBatch[] = [];
  for await (const b of query.scan([path], [{ name: 'id', kind: 'text' }, { name: 'score', kind: 'number' }, { name: 'version', kind: 'number' }])) batches.push(b);
  assert.deepEqual(batches[0]!.columns['id'], ['a', 'b', 'c']);
  assert.deepEqual([...(batches[0]!.columns['score'] as Float64Array)], [0.5, NaN, NaN]);
  assert.deepEqual([...(batches[0]!.columns['version'] as Float64Array)], [1, 1, 2]);
});

test('ParquetFileWriter: a row of the wrong width is refused, abort leaves nothing, a finished writer takes no more', async (t) => {
  const dir = await tempDir(t);
  const aborted = await ParquetFileWriter.open(join(dir, 'a.parquet'), COLUMNS);
  assert.throws(() => aborted.append([['a', 1]]), ValidationError);
  await aborted.abort();
  await aborted.abort();
  assert.deepEqual(await readdir(dir), []);
  const done = await ParquetFileWriter.open(join(dir, 'b.parquet'), COLUMNS);
  done.append([['a', 1, 1]]);
  await done.finish();
  assert.throws(() => done.append([['b', 1, 1]]), (err: unknown) => err instanceof AppError && err.code === 'SHUTDOWN');
  await assert.rejects(done.finish(), (err: unknown) => err instanceof AppError && err.code === 'SHUTDOWN');
});
