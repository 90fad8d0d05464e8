import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simulatedCsv, testRegistry } from '../batch-scoring/batch-scoring-fixtures.ts';
import { runCli, tempDir } from './cli-io.ts';

test('score --help exits 0 with the usage; score is listed in the command overview', async () => {
  const r = await runCli(['score', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: riskstream score --in FILE --out FILE/);
  assert.match((await runCli(['--help'])).stdout, /\n {2}score +batch-score a CSV, JSON lines or Parquet file/);
});

test('score: bad arguments are usage errors (exit 2) with the usage', async (t) => {
  const dir = await tempDir(t, 'score-usage');
  const input = join(dir, 'in.csv');
  await writeFile(input, 'a\n1\n');
  const cases: [string[], RegExp][] = [
    [['--out', join(dir, 'o.csv')], /needs --in FILE/],
    [['--in', input], /needs --out FILE/],
    [['--in', input, '--out', join(dir, 'o.xlsx')], /cannot tell the format of .*o\.xlsx/],
    [['--in', input, '--out', join(dir, 'o.csv'), '--model', 'fraud@latest'], /use NAME, NAME@VERSION, NAME@champion or NAME@challenger/],
    [['--in', input, '--out', input], /--out must not be the --in file/],
    [['--in', input, '--out', join(dir, 'o.csv'), 'extra'], /unexpected argument "extra"/],
    [['--in', input, '--out', join(dir, 'o.csv'), '--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['score', ...args], { MODEL_REGISTRY_DIR: dir });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /Usage: riskstream score/);
  }
});

test('score writes the scores and a summary; progress on stderr unless --quiet; the registry from MODEL_REGISTRY_DIR', async (t) => {
  const registry = await testRegistry(t);
  const dir = await tempDir(t, 'score-run');
  const { path, sim } = await simulatedCsv(dir, 4);
  const out = join(dir, 'scores.parquet');
  const r = await runCli(['score', '--in', path, '--out', out], { MODEL_REGISTRY_DIR: registry.dir });
  assert.equal(r.code, 0, r.stderr);
  const n = sim.transactions.length;
  assert.match(r.stdout, new RegExp(`^scored ${n} of ${n} rows \\(raw transactions, features computed\\) with fraud v1 -> ${out.replaceAll('.', '\\.')}\n`));
  assert.match(r.stdout, /\n {2}bad rows 0; [\d.]+ s, \d+ rows\/s; [\d.]+ MB written\n {2}decisions APPROVE \d+, REVIEW \d+, DECLINE \d+\n$/);
  assert.match(r.stderr, /^read: /m);
  assert.match(r.stderr, /^score: 100% /m);
  assert.ok(existsSync(out));

  const quiet = await runCli(['score', '--in', path, '--out', join(dir, 'q.csv'), '--registry', registry.dir, '--model', 'fraud@challenger', '--quiet'], {});
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, '');
  assert.match(quiet.stdout, /with fraud v2 -> /);
});

test('score reports bad rows by line and carries on; --strict exits 1 at the first and writes nothing', async (t) => {
  const registry = await testRegistry(t);
  const dir = await tempDir(t, 'score-bad');
  const { path } = await simulatedCsv(dir, 3);
  const [header, first, ...rest] = (await readFile(path, 'utf8')).trimEnd().split('\n');
  const broken = first!.split(',').map((c, j) => (j === 0 ? 'bad-1' : j === 6 ? '-5' : c)).join(',');
  await writeFile(path, [header, first, broken, ...rest, 'x,y'].join('\n'));
  const env = { MODEL_REGISTRY_DIR: registry.dir };
  const out = join(dir, 'scores.jsonl');
  const r = await runCli(['score', '--in', path, '--out', out, '--quiet'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, `bad row, skipped: line 3: amount must be between 0 and 1000000\nbad row, skipped: line ${rest.length + 4}: has 2 fields, the header has 13\n`);
  assert.match(r.stdout, /\n {2}bad rows 2; /);

  const strictOut = join(dir, 'strict.jsonl');
  const strict = await runCli(['score', '--in', path, '--out', strictOut, '--strict', '--quiet'], env);
  assert.equal(strict.code, 1);
  assert.equal(strict.stderr, 'riskstream score: [VALIDATION_FAILED] ROW_INVALID: line 3 amount must be between 0 and 1000000\n');
  assert.equal(existsSync(strictOut), false);
});

test('score: a model that is not registered exits 1 and says where it looked', async (t) => {
  const dir = await tempDir(t, 'score-nomodel');
  const { path } = await simulatedCsv(dir, 2);
  const r = await runCli(['score', '--in', path, '--out', join(dir, 'o.csv'), '--registry', join(dir, 'empty-registry')], {});
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^riskstream score: \[NOT_FOUND\] model: fraud has no champion in .*empty-registry/);
});
