// Golden values come from the Fraud Detection Handbook's own generator (SimulatedDataset.py with
// numpy 1.24, pandas 1.5, CPython 3.11): TRANSACTION_ID, CUSTOMER_ID, TERMINAL_ID, TX_AMOUNT,
// TX_TIME_SECONDS, TX_TIME_DAYS, TX_FRAUD, TX_FRAUD_SCENARIO of its default dataset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@riskstream/shared';
import { simulate } from '../../../training/src/simulator/simulate.ts';
import type { SimulationOptions, SimulationResult } from '../../../training/src/simulator/simulate.ts';
import { countByScenario, FRAUD_SCENARIO } from '../../../training/src/simulator/fraud-scenarios.ts';
import { maxHandbookSeed, numpyRoundToCents } from '../../../training/src/simulator/handbook-generator.ts';
import { CHANNEL_CODE } from '../../../training/src/simulator/transactions.ts';

// TRANSACTION_ID, CUSTOMER_ID, TERMINAL_ID, TX_AMOUNT, TX_TIME_SECONDS, TX_TIME_DAYS, TX_FRAUD, TX_FRAUD_SCENARIO
type Row = readonly [number, number, number, number, number, number, number, number];

function rowAt(r: SimulationResult, i: number): Row {
  const tx = r.transactions;
  return [
    tx.txNumber[i]!,
    tx.customer[i]!,
    tx.terminal[i]!,
    tx.amount[i]!,
    tx.timeSeconds[i]!,
    tx.day[i]!,
    tx.isFraud[i]!,
    tx.fraudScenario[i]!,
  ];
}

function sumOf(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

let cached: SimulationResult | undefined;
function handbook(): SimulationResult {
  cached ??= simulate({ rng: 'handbook' });
  return cached;
}

test('handbook mode, seed 0: the handbook default dataset, row for row', () => {
  const r = handbook();
  const tx = r.transactions;
  assert.equal(tx.length, 1_754_155);
  assert.equal(sumOf(tx.isFraud), 14_681);
  assert.deepEqual(countByScenario(tx), [1_739_474, 973, 9_077, 4_631]);
  const amountSum = sumOf(tx.amount);
  assert.ok(Math.abs(amountSum - 94_079_370.08) / 94_079_370.08 < 1e-9, `sum of amounts ${amountSum}`);
  assert.equal(sumOf(tx.timeSeconds), 13_863_496_926_060);
  assert.equal(sumOf(tx.customer), 4_392_424_120);
  assert.equal(sumOf(tx.terminal), 8_765_044_444);

  const golden: Row[] = [
    [0, 596, 3156, 57.16, 31, 0, 0, 0],
    [1, 4961, 3412, 81.51, 130, 0, 0, 0],
    [1_754_154, 3542, 9849, 23.59, 15_811_197, 182, 0, 0],
    // First and last fraud of each scenario.
    [3527, 3774, 3059, 225.41, 37_063, 0, 1, 1],
    [1_748_751, 445, 5638, 221.37, 15_765_405, 182, 1, 1],
    [19_200, 4672, 898, 46.44, 177_637, 2, 1, 2],
    [1_754_018, 4677, 8935, 45.85, 15_805_681, 182, 1, 2],
    [9583, 3814, 6893, 59.15, 90_065, 1, 1, 3],
    [1_754_014, 100, 8604, 73.85, 15_805_624, 182, 1, 3],
    // Scenario 3 multiplies by 5 without rounding back to cents: 17.13 * 5 in float64.
    [11_919, 3814, 6013, 85.64999999999999, 116_722, 1, 1, 3],
    // Equal times numbered in numpy's unstable quicksort order (a stable sort would swap these).
    [255, 497, 3357, 28.96, 8897, 0, 0, 0],
    [256, 270, 8784, 10.78, 8897, 0, 0, 0],
    [1_754_062, 3666, 83, 40.59, 15_807_483, 182, 0, 0],
    [1_754_063, 2035, 330, 167.84, 15_807_483, 182, 0, 0],
  ];
  for (const row of golden) assert.deepEqual(rowAt(r, row[0]), row, `row ${row[0]}`);

  for (let i = 0; i < tx.length; i++) {
    if (tx.fraudScenario[i] === FRAUD_SCENARIO.compromisedCustomer) assert.equal(tx.channel[i], CHANNEL_CODE.ecom);
    assert.equal(tx.eventTimeMs[i], r.startTimeMs + tx.timeSeconds[i]! * 1000);
  }
});

test('handbook mode, seed 0: customer and terminal profiles are the handbook ones', () => {
  const r = handbook();
  const c = r.customers;
  assert.equal(c.count, 5000);
  assert.deepEqual(
    [c.x[0], c.y[0], c.meanAmount[0], c.meanTxPerDay[0]],
    [54.88135039273247, 71.51893663724195, 62.262520726806166, 2.1795327319875875],
  );
  assert.equal(c.stdAmount[0], 62.262520726806166 / 2);
  assert.deepEqual(
    [c.x[4999], c.y[4999], c.meanAmount[4999], c.meanTxPerDay[4999]],
    [29.826661350341155, 44.64557603349974, 39.2120283150944, 2.503546583967244],
  );
  assert.deepEqual(
    [r.terminals.x[0], r.terminals.y[0], r.terminals.x[9999]],
    [41.7022004702574, 72.0324493442158, 69.65281102540018],
  );
  const a = r.availableTerminals;
  assert.equal(a.offsets[1]! - a.offsets[0]!, 78);
  assert.deepEqual(Array.from(a.terminals.subarray(0, 5)), [29, 87, 144, 241, 330]);
  assert.equal(a.terminals.length, 376_039);
  // Fields the handbook lacks are riskstream's for the same seed.
  const rs = simulate({ nCustomers: 5000, nTerminals: 10, nbDays: 1 });
  assert.deepEqual(c.cardNumber, rs.customers.cardNumber);
  assert.deepEqual(c.currency, rs.customers.currency);
});

test('handbook mode, other seeds offset every handbook seed by seed * 1_000_003', () => {
  // Reference: the handbook's code with each numpy / CPython seed s replaced by s + 1_000_003.
  const r = simulate({ rng: 'handbook', nCustomers: 200, nTerminals: 400, nbDays: 60, radius: 10, seed: 1 });
  const tx = r.transactions;
  assert.equal(tx.length, 22_782);
  assert.equal(sumOf(tx.isFraud), 3561);
  assert.deepEqual(countByScenario(tx), [19_221, 8, 2_315, 1_238]);
  assert.ok(Math.abs(sumOf(tx.amount) - 1_492_098.96) < 1e-6);
  assert.deepEqual(rowAt(r, 0), [0, 171, 145, 47.42, 42, 0, 0, 0]);
  assert.deepEqual(rowAt(r, 35), [35, 159, 215, 52.699999999999996, 15_162, 0, 1, 3]); // 10.54 * 5
  assert.deepEqual(rowAt(r, 22_781), [22_781, 64, 41, 29.79, 5_183_127, 59, 1, 2]);
  // Deterministic.
  const again = simulate({ rng: 'handbook', nCustomers: 200, nTerminals: 400, nbDays: 60, radius: 10, seed: 1 });
  assert.deepEqual(again.transactions.amount, tx.amount);
  assert.deepEqual(again.transactions.channel, tx.channel);
});

test('rng option: validated, riskstream stays the default', () => {
  const small = { nCustomers: 100, nTerminals: 200, nbDays: 20, radius: 10, seed: 3 } as const;
  const byDefault = simulate(small);
  assert.equal(byDefault.options.rng, 'riskstream');
  assert.deepEqual(simulate({ ...small, rng: 'riskstream' }).transactions, byDefault.transactions);
  const hb = simulate({ ...small, rng: 'handbook' });
  assert.equal(hb.options.rng, 'handbook');
  assert.notDeepEqual(hb.transactions.amount, byDefault.transactions.amount);

  const configIssue = (options: SimulationOptions): string => {
    try {
      simulate(options);
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.issues.map((i) => `${i.field}: ${i.problem}`).join('; ');
    }
    assert.fail('expected a ConfigError');
  };
  assert.match(configIssue({ ...small, rng: 'numpy' as never }), /rng: must be one of 'riskstream', 'handbook'/);
  assert.match(
    configIssue({ ...small, rng: 'handbook', seed: -1 }),
    /seed: with rng 'handbook' must be an integer in \[0, 4294\]/,
  );
  assert.equal(maxHandbookSeed(5000, 183), 4294);
  assert.match(configIssue({ rng: 'handbook', seed: 4295 }), /seed: .*\[0, 4294\]/);
  assert.doesNotThrow(() => simulate({ ...small, rng: 'handbook', seed: 4294 }));
});

test('numpy rounding to cents is round-half-to-even on amount * 100', () => {
  assert.equal(numpyRoundToCents(0.125), 0.12);
  assert.equal(numpyRoundToCents(0.375), 0.38);
  assert.equal(numpyRoundToCents(2.675), 2.68); // 2.675 * 100 is exactly 267.5 in float64: to even
  assert.equal(numpyRoundToCents(1.005), 1);
  assert.equal(numpyRoundToCents(12.5), 12.5);
});
