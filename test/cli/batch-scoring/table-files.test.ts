import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { NotFoundError, UsageError, ValidationError, type OfflineColumn } from '@riskstream/shared';
import { tableFormatOf } from '../../../cli/src/batch-scoring/table-format.ts';
import { openTableReader, type TableRow } from '../../../cli/src/batch-scoring/table-reader.ts';
import { openTableWriter, type TableRecord } from '../../../cli/src/batch-scoring/table-writer.ts';
import { tempDir } from './batch-scoring-fixtures.ts';

const COLUMNS: OfflineColumn[] = [
  { name: 'transaction_id', type: 'VARCHAR', nullable: false, description: 'id' },
  { name: 'score', type: 'DOUBLE', nullable: false, description: 'score' },
  { name: 'reasons', type: 'VARCHAR', nullable: false, description: 'nested' },
  { name: 'note', type: 'VARCHAR', nullable: true, description: 'text that needs CSV quoting, or nothing' },
  { name: 'model_version', type: 'INTEGER', nullable: false, description: 'int' },
];

const ROWS: TableRecord[] = [
  ['tx-1', 0.125, [{ feature: 'TX_AMOUNT', contribution: 1.5 }], 'plain', 3],
  ['tx-2', 0.000244140625, [], 'comma, "quote" and\nnewline', 3],
  ['tx-3', 1, [{ feature: 'A', contribution: -0.25 }, { feature: 'B', contribution: 0.5 }], null, 3],
];

async function readAll(path: string): Promise<{ columns: readonly string[]; rows: TableRow[] }> {
  const reader = await openTableReader(path);
  try {
    const rows: TableRow[] = [];
    for await (const batch of reader.batches(2)) rows.push(...batch);
    return { columns: reader.columns, rows };
  } finally {
    reader.close();
  }
}

test('the format is the extension; anything else is a usage error', () => {
  assert.equal(tableFormatOf('/a/b.CSV'), 'csv');
  assert.equal(tableFormatOf('x.jsonl'), 'jsonl');
  assert.equal(tableFormatOf('x.ndjson'), 'jsonl');
  assert.equal(tableFormatOf('x.parquet'), 'parquet');
  assert.throws(() => tableFormatOf('x.xlsx'), UsageError);
  assert.throws(() => tableFormatOf('noext'), UsageError);
});

test('JSON lines and Parquet round-trip typed values; nested values are JSON text in Parquet', async (t) => {
  const dir = await tempDir(t);
  for (const ext of ['jsonl', 'parquet']) {
    const path = join(dir, `t.${ext}`);
    const writer = await openTableWriter(path, COLUMNS);
    await writer.write(ROWS.slice(0, 2));
    await writer.write(ROWS.slice(2));
    assert.equal((await writer.finish()).rows, 3);
    const { columns, rows } = await readAll(path);
    assert.deepEqual(columns, COLUMNS.map((c) => c.name));
    assert.deepEqual(rows.map((r) => [r.at, r.row]), [[1, 1], [2, 2], [3, 3]], ext);
    for (const [i, row] of rows.entries()) {
      const expected = ROWS[i]!;
      assert.equal(row.values!['transaction_id'], expected[0]);
      assert.equal(row.values!['score'], expected[1]);
      const reasons = row.values!['reasons'];
      assert.deepEqual(ext === 'jsonl' ? reasons : JSON.parse(reasons as string), expected[2], ext);
      assert.equal(row.values!['note'], expected[3], ext);
      assert.equal(row.values!['model_version'], 3);
    }
  }
});

test('CSV round-trips text: quoted cells, nested values as JSON text, null as an empty cell', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 't.csv');
  const writer = await openTableWriter(path, COLUMNS);
  await writer.write(ROWS.filter((r) => !String(r[3]).includes('\n')));
  await writer.finish();
  const { columns, rows } = await readAll(path);
  assert.deepEqual(columns, COLUMNS.map((c) => c.name));
  assert.deepEqual(rows.map((r) => r.values), [
    { transaction_id: 'tx-1', score: '0.125', reasons: '[{"feature":"TX_AMOUNT","contribution":1.5}]', note: 'plain', model_version: '3' },
    { transaction_id: 'tx-3', score: '1', reasons: '[{"feature":"A","contribution":-0.25},{"feature":"B","contribution":0.5}]', note: '', model_version: '3' },
  ]);
  const text = await readFile(path, 'utf8');
  assert.ok(text.startsWith('transaction_id,score,reasons,note,model_version\ntx-1,0.125,"[{""feature"":""TX_AMOUNT"",""contribution"":1.5}]",plain,3\n'), text);
});

test('text readers number rows by physical line, skip blank lines and flag rows they cannot split', async (t) => {
  const dir = await tempDir(t);
  const csv = join(dir, 'in.csv');
  await writeFile(csv, '\uFEFFa,b\n1,2\n\n3\n"x,y",4\r\n');
  const c = await readAll(csv);
  assert.deepEqual(c.columns, ['a', 'b']);
  assert.deepEqual(c.rows, [
    { at: 2, row: 1, values: { a: '1', b: '2' } },
    { at: 4, row: 2, problem: 'has 1 fields, the header has 2' },
    { at: 5, row: 3, values: { a: 'x,y', b: '4' } },
  ]);
  const jsonl = join(dir, 'in.jsonl');
  await writeFile(jsonl, '{"a":1,"b":null}\n[1]\nnot json\n\n{"a":"z"}\n');
  const j = await readAll(jsonl);
  assert.deepEqual(j.columns, ['a', 'b']);
  assert.deepEqual(j.rows, [
    { at: 1, row: 1, values: { a: 1, b: null } },
    { at: 2, row: 2, problem: 'is not a JSON object' },
    { at: 3, row: 3, problem: 'is not valid JSON' },
    { at: 5, row: 4, values: { a: 'z' } },
  ]);
  const reader = await openTableReader(csv);
  t.after(() => reader.close());
  assert.equal(await reader.countRows(), 4, 'lines after the header, blank ones included: a bound for progress');
});

test('readers refuse a missing file, an empty table and a JSON lines file whose first row names no columns', async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(openTableReader(join(dir, 'nope.csv')), NotFoundError);
  await writeFile(join(dir, 'empty.csv'), '\n\n');
  await assert.rejects(openTableReader(join(dir, 'empty.csv')), (err: unknown) => err instanceof ValidationError && err.reason === 'TABLE_EMPTY');
  await writeFile(join(dir, 'bad.jsonl'), '[1,2]\n{"a":1}\n');
  await assert.rejects(openTableReader(join(dir, 'bad.jsonl')), (err: unknown) => err instanceof ValidationError && err.reason === 'TABLE_COLUMNS_INVALID');
  await writeFile(join(dir, 'bad.parquet'), 'not parquet');
  await assert.rejects(openTableReader(join(dir, 'bad.parquet')), (err: unknown) => err instanceof ValidationError && err.reason === 'TABLE_UNREADABLE');
});

test('Parquet reads only the columns asked for: numbers (NULL as NaN), and a TIMESTAMP as ISO 8601 UTC', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'ts.parquet');
  const duckdb = await DuckDBInstance.create(':memory:');
  const con = await duckdb.connect();
  await con.run(`COPY (SELECT * FROM (VALUES ('x', 1522540844000, TIMESTAMP '2018-04-01 00:00:44.5'), ('y', NULL, NULL)) v(a, n, t)) TO '${path}' (FORMAT parquet)`);
  con.closeSync();
  duckdb.closeSync();
  const reader = await openTableReader(path);
  t.after(() => reader.close());
  assert.deepEqual(reader.columns, ['a', 'n', 't']);
  const rows: TableRow[] = [];
  for await (const batch of reader.batches(10, ['n', 't'])) rows.push(...batch);
  assert.deepEqual(rows.map((r) => r.values), [{ n: 1_522_540_844_000, t: '2018-04-01T00:00:44.5Z' }, { n: NaN, t: null }]);
  assert.equal(await reader.countRows(), 2);
});

test('an aborted writer leaves the target as it was, and nothing beside it', async (t) => {
  const dir = await tempDir(t);
  for (const ext of ['csv', 'jsonl', 'parquet']) {
    const path = join(dir, `out.${ext}`);
    const writer = await openTableWriter(path, COLUMNS);
    await writer.write(ROWS);
    await writer.abort();
    assert.equal(existsSync(path), false, ext);
  }
  assert.deepEqual(await readdir(dir), []);
});
