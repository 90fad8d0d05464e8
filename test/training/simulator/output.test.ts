import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate } from '../../../training/src/simulator/simulate.ts';
import { applyDrift } from '../../../training/src/simulator/drift-scenarios.ts';
import { CSV_COLUMNS, writeCsv } from '../../../training/src/simulator/csv-writer.ts';
import { transactionsInOrder } from '../../../training/src/simulator/transaction-record.ts';
import { isLuhnValid } from '../../../training/src/simulator/card-number.ts';

const RESULT = applyDrift(simulate({ nCustomers: 200, nTerminals: 400, nbDays: 20, radius: 10, seed: 9 }), [
  { kind: 'missing-field-surge', from: { day: 15 }, field: 'terminal_id', share: 0.5 },
]);

test('transactionsInOrder yields raw-schema objects in event-time order', () => {
  const all = [...transactionsInOrder(RESULT)];
  assert.equal(all.length, RESULT.transactions.length);
  const first = all[0]!;
  assert.deepEqual(Object.keys(first).sort(), [
    'amount',
    'card_number',
    'channel',
    'currency',
    'customer_id',
    'event_time',
    'fraud_scenario',
    'is_fraud',
    'terminal_id',
    'transaction_id',
  ]);
  assert.equal(first.transaction_id, `tx-9-${RESULT.transactions.txNumber[0]}`);
  assert.equal(new Set(all.map((t) => t.transaction_id)).size, all.length);
  let nullTerminals = 0;
  for (let i = 0; i < all.length; i++) {
    const t = all[i]!;
    if (i > 0) assert.ok(t.event_time >= all[i - 1]!.event_time);
    assert.ok(isLuhnValid(t.card_number));
    assert.match(t.currency, /^(EUR|GBP|USD|CHF|SEK)$/);
    assert.ok(t.channel === null || ['pos', 'ecom', 'atm'].includes(t.channel));
    assert.equal(typeof t.is_fraud, 'boolean');
    if (t.terminal_id === null) nullTerminals++;
  }
  assert.ok(nullTerminals > 0);
  // Mostly euro cards, with some others.
  const eur = all.filter((t) => t.currency === 'EUR').length / all.length;
  assert.ok(eur > 0.7 && eur < 0.97, `${eur}`);
});

test('writeCsv writes a header and one row per transaction, with empty cells for missing fields', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'riskstream-sim-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'tx.csv');
  const written = await writeCsv(RESULT, path);
  const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
  assert.equal(written, RESULT.transactions.length);
  assert.equal(lines.length, RESULT.transactions.length + 1);
  assert.deepEqual(lines[0]!.split(','), [...CSV_COLUMNS]);
  const records = [...transactionsInOrder(RESULT)];
  for (const k of [0, 1, Math.floor(lines.length / 2), lines.length - 2]) {
    const cells = lines[k + 1]!.split(',');
    const row = Object.fromEntries(CSV_COLUMNS.map((c, j) => [c, cells[j]!]));
    const rec = records[k]!;
    assert.equal(row.transaction_id, rec.transaction_id);
    assert.equal(Number(row.event_time), rec.event_time);
    assert.equal(row.tx_datetime, new Date(rec.event_time).toISOString());
    assert.equal(Number(row.amount), rec.amount);
    assert.equal(row.terminal_id, rec.terminal_id ?? '');
    assert.equal(row.is_fraud, rec.is_fraud ? '1' : '0');
  }
  assert.ok(lines.some((l) => l.split(',')[4] === ''), 'some rows have an empty terminal_id');
});
