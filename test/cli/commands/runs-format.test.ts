import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDuration, formatMetric, formatParam, shortTime } from '../../../cli/src/commands/runs-format.ts';

describe('runs-format', () => {
  test('metrics with 4 decimals, - when missing or not finite', () => {
    assert.deepEqual([0.61234, 1, undefined, Number.NaN].map(formatMetric), ['0.6123', '1.0000', '-', '-']);
  });

  test('parameters as given: strings bare, other values as JSON, - when missing', () => {
    assert.deepEqual(['rf', 0.00001, 8, true, [1, 2], null, undefined].map(formatParam), ['rf', '0.00001', '8', 'true', '[1,2]', '-', '-']);
  });

  test('durations in seconds, minutes or hours', () => {
    assert.deepEqual([1234, 90_000, 3_725_000, -1].map(formatDuration), ['1.2s', '1m 30s', '1h 02m', '-']);
  });

  test('short times drop seconds and the zone', () => {
    assert.equal(shortTime('2026-12-07T10:05:59.000Z'), '2026-12-07 10:05');
    assert.equal(shortTime(undefined), '-');
  });
});
