import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { assertTimedProperty, CASE_BUDGET_MS } from './property-support.ts';

function burnCpu(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

test('assertTimedProperty: an input that costs more than the budget every time fails the property', async () => {
  await assert.rejects(
    assertTimedProperty('always slow', [fc.integer({ min: 0, max: 9 })], (n) => burnCpu(n === 7 ? CASE_BUDGET_MS * 1.5 : 0), { numRuns: 60 }),
    /always slow: slowest case took \d+\.\d ms of CPU each of 3 times again \(budget 100 ms\)/,
  );
});

test('assertTimedProperty: one slow moment (a pause, a burst of load) that does not repeat is not the input\'s cost', async () => {
  let calls = 0;
  const clock = await assertTimedProperty('one stall', [fc.integer({ min: 0, max: 9 })], () => {
    if (++calls === 10) burnCpu(CASE_BUDGET_MS * 1.5);
  }, { numRuns: 60 });
  assert.ok(clock.max >= CASE_BUDGET_MS, 'the stall was measured');
});
