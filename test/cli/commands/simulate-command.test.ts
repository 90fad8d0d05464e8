import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simulateCommand } from '../../../cli/src/commands/simulate-command.ts';
import { runCli, tempDir } from './cli-io.ts';

// Small simulations: a few thousand rows, well under a second each.
const SMALL = ['--days', '21', '--customers', '200', '--terminals', '400', '--seed', '3'];
// Nothing here may reach Kafka: an env without brokers makes a stray connection attempt obvious.
const ENV = {};

interface Csv {
  header: string[];
  rows: Record<string, string>[];
}

async function readCsv(path: string): Promise<Csv> {
  const [head = '', ...lines] = (await readFile(path, 'utf8')).split('\n').filter((l) => l.length > 0);
  const header = head.split(',');
  return { header, rows: lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i]!, v]))) };
}

test('simulate --out writes a CSV with the transaction columns and reports the row count', async (t) => {
  const dir = await tempDir(t, 'sim');
  const file = join(dir, 'tx.csv');
  const r = await runCli(['simulate', ...SMALL, '--out', file], ENV);
  assert.equal(r.code, 0, r.stderr);
  const csv = await readCsv(file);
  for (const column of ['transaction_id', 'card_number', 'amount', 'event_time', 'is_fraud']) {
    assert.ok(csv.header.includes(column), `header has ${column}: ${csv.header.join(',')}`);
  }
  assert.ok(csv.rows.length > 1000, `rows: ${csv.rows.length}`);
  assert.equal(r.stdout, `wrote ${csv.rows.length} transactions to ${file}\n`);
  assert.match(r.stderr, /^simulated \d+ transactions \([\d.]+% fraud\) in [\d.]+ s\n$/);
  assert.equal(new Set(csv.rows.map((row) => row['transaction_id'])).size, csv.rows.length, 'transaction ids are unique');
  const days = csv.rows.map((row) => Number(row['tx_time_days']));
  assert.equal(Math.min(...days), 0);
  assert.equal(Math.max(...days), 20);
  for (const row of csv.rows.slice(0, 50)) {
    assert.match(row['amount']!, /^\d+\.\d{2}$/);
    assert.ok(Number.isFinite(Number(row['event_time'])));
  }
});

test('simulate is deterministic for a seed and --quiet silences stderr', async (t) => {
  const dir = await tempDir(t, 'sim-seed');
  const a = join(dir, 'a.csv');
  const b = join(dir, 'b.csv');
  assert.equal((await runCli(['simulate', ...SMALL, '--out', a, '--quiet'], ENV)).code, 0);
  const r = await runCli(['simulate', ...SMALL, '--out', b, '--quiet'], ENV);
  assert.equal(r.code, 0);
  assert.equal(r.stderr, '');
  assert.equal(await readFile(a, 'utf8'), await readFile(b, 'utf8'));
});

test('--drift amount-shift:0.2@10 scales amounts by 1.2 from day 10 on and leaves earlier days alone', async (t) => {
  const dir = await tempDir(t, 'sim-drift');
  const base = join(dir, 'base.csv');
  const drifted = join(dir, 'drift.csv');
  assert.equal((await runCli(['simulate', ...SMALL, '--out', base, '--quiet'], ENV)).code, 0);
  const r = await runCli(['simulate', ...SMALL, '--drift', 'amount-shift:0.2@10', '--out', drifted, '--quiet'], ENV);
  assert.equal(r.code, 0, r.stderr);
  const before = new Map((await readCsv(base)).rows.map((row) => [row['transaction_id'], row]));
  const after = (await readCsv(drifted)).rows;
  assert.equal(after.length, before.size, 'amount-shift adds no rows');
  let shifted = 0;
  for (const row of after) {
    const orig = before.get(row['transaction_id']);
    assert.ok(orig, `row ${row['transaction_id']} exists without drift`);
    const amount = Number(row['amount']);
    const original = Number(orig['amount']);
    if (Number(row['tx_time_days']) < 10) {
      assert.equal(amount, original);
    } else {
      assert.ok(Math.abs(amount - original * 1.2) <= 0.0051, `${original} x 1.2 -> ${amount}`);
      shifted++;
    }
    assert.equal(row['is_fraud'], orig['is_fraud'], 'labels are kept');
  }
  assert.ok(shifted > 0 && shifted < after.length, `shifted ${shifted} of ${after.length}`);
});

test('--drift is repeatable: missing-field-surge:1@15 blanks every channel from day 15', async (t) => {
  const dir = await tempDir(t, 'sim-drift2');
  const file = join(dir, 'tx.csv');
  const r = await runCli(['simulate', ...SMALL, '--drift', 'amount-shift:0.2@10', '--drift', 'missing-field-surge:1@15', '--out', file, '--quiet'], ENV);
  assert.equal(r.code, 0, r.stderr);
  const { rows } = await readCsv(file);
  const late = rows.filter((row) => Number(row['tx_time_days']) >= 15);
  const early = rows.filter((row) => Number(row['tx_time_days']) < 15);
  assert.ok(late.length > 0 && early.length > 0);
  assert.ok(late.every((row) => row['channel'] === ''), 'no channel from day 15');
  assert.ok(early.some((row) => row['channel'] !== ''), 'channels before day 15');
});

for (const spec of ['x', 'amount-shift', 'amount-shift:0.2', 'amount-shift:@10', 'teleport:1@10', 'missing-field-surge:1.5@10']) {
  test(`a malformed --drift "${spec}" exits 2 before simulating or writing anything`, async (t) => {
    const dir = await tempDir(t, 'sim-bad-drift');
    const file = join(dir, 'tx.csv');
    const r = await runCli(['simulate', ...SMALL, '--drift', spec, '--out', file], ENV);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^riskstream simulate: .*(drift|KIND:VALUE@DAY|missing-field-surge)/);
    assert.doesNotMatch(r.stderr, /simulated \d+ transactions/);
    assert.ok(r.stderr.includes(simulateCommand.usage));
    assert.equal(existsSync(file), false);
  });
}

test('giving both --out and --kafka exits 2; so does giving neither', async (t) => {
  const dir = await tempDir(t, 'sim-both');
  const file = join(dir, 'tx.csv');
  for (const args of [['--out', file, '--kafka'], []]) {
    const r = await runCli(['simulate', ...SMALL, ...args], ENV);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^riskstream simulate: give exactly one of --out FILE\.csv or --kafka\n/);
    assert.ok(r.stderr.includes(simulateCommand.usage));
  }
  assert.equal(existsSync(file), false);
});

for (const [flag, value] of [['--days', 'ten'], ['--customers', '-5'], ['--seed', '1.5'], ['--terminals', '']] as const) {
  test(`simulate ${flag} "${value}" is a usage error (exit 2)`, async (t) => {
    const dir = await tempDir(t, 'sim-num');
    const r = await runCli(['simulate', `${flag}=${value}`, '--out', join(dir, 'tx.csv')], ENV);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`^riskstream simulate: ${flag} must be a non-negative integer`));
  });
}

test('simulate --days 0 is refused by the simulator (exit 1, CONFIG_INVALID naming nbDays)', async (t) => {
  const dir = await tempDir(t, 'sim-zero');
  const r = await runCli(['simulate', '--days', '0', '--out', join(dir, 'tx.csv')], ENV);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\[CONFIG_INVALID\].*\n.*nbDays/);
});

test('simulate --kafka with a malformed --rate exits 2 (before any Kafka connection)', async () => {
  const r = await runCli(['simulate', '--days', '1', '--customers', '5', '--terminals', '5', '--kafka', '--rate', 'fast', '--quiet'], ENV);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^riskstream simulate: --rate must be a non-negative integer, got "fast"/);
});

test('simulate --kafka validates --rate before simulating', async () => {
  const r = await runCli(['simulate', '--days', '1', '--customers', '5', '--terminals', '5', '--kafka', '--rate', 'fast'], ENV);
  assert.equal(r.code, 2);
  assert.doesNotMatch(r.stderr, /simulated \d+ transactions/);
});

test('--rng handbook draws from the handbook generators: deterministic, and not the riskstream draws', async (t) => {
  const dir = await tempDir(t, 'sim-rng');
  const files = ['handbook-a', 'handbook-b', 'riskstream'].map((f) => join(dir, `${f}.csv`));
  for (const [file, rng] of [[files[0]!, 'handbook'], [files[1]!, 'handbook'], [files[2]!, 'riskstream']] as const) {
    const r = await runCli(['simulate', ...SMALL, '--rng', rng, '--out', file, '--quiet'], ENV);
    assert.equal(r.code, 0, r.stderr);
  }
  const [a, b, c] = await Promise.all(files.map((f) => readFile(f, 'utf8')));
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.ok((await readCsv(files[0]!)).rows.length > 1000);
});

test('simulate --rng with an unknown generator is refused (exit 1, CONFIG_INVALID naming rng)', async (t) => {
  const dir = await tempDir(t, 'sim-rng-bad');
  const r = await runCli(['simulate', ...SMALL, '--rng', 'numpy', '--out', join(dir, 'tx.csv')], ENV);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\[CONFIG_INVALID\][\s\S]*rng: must be one of 'riskstream', 'handbook', got "numpy"/);
  assert.equal(existsSync(join(dir, 'tx.csv')), false);
});
