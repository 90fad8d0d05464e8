import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateCustomerProfiles } from '../../../training/src/simulator/customers.ts';
import { generateTerminalProfiles, terminalsWithinRadius } from '../../../training/src/simulator/terminals.ts';

test('the grid index finds exactly the terminals a brute-force scan finds, in ascending id', () => {
  for (const radius of [0.7, 5, 13, 150]) {
    const customers = generateCustomerProfiles(200, 5);
    const terminals = generateTerminalProfiles(1_500, 5);
    const got = terminalsWithinRadius(customers, terminals, radius);
    for (let c = 0; c < customers.count; c++) {
      const expected: number[] = [];
      for (let t = 0; t < terminals.count; t++) {
        const d = Math.sqrt((customers.x[c]! - terminals.x[t]!) ** 2 + (customers.y[c]! - terminals.y[t]!) ** 2);
        if (d < radius) expected.push(t);
      }
      const actual = Array.from(got.terminals.subarray(got.offsets[c]!, got.offsets[c + 1]!));
      assert.deepEqual(actual, expected, `radius ${radius}, customer ${c}`);
    }
  }
});
