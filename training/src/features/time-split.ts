/**
 * The handbook's time-based train/test protocol (`get_train_test_set`):
 *
 *   train: days [s, s + trainDays) | delay: the next delayDays days, unused | test: the next testDays days
 *
 * The delay gap mirrors production, where labels of the most recent days are not known yet. Cards
 * already known to be compromised are removed from the test set, because in production they would be
 * blocked rather than scored: a test row on day T is dropped when its customer has a fraud on a day in
 * [s, T - delayDays - 1] (the training period plus the part of the delay period whose labels are known by
 * T). Days are UTC days, as everywhere in the feature definitions.
 */

import { ConfigError } from '@riskstream/shared';
import type { ConfigIssue } from '@riskstream/shared';
import { dayIndex } from '@riskstream/shared/features';

export interface TimeSplitOptions {
  /** First training day: `YYYY-MM-DD` (00:00 UTC) or epoch ms (its UTC day is used). Handbook: 2018-07-25. */
  trainStart: string | number;
  trainDays?: number;
  delayDays?: number;
  testDays?: number;
}

export interface TimeSplitColumns {
  readonly length: number;
  readonly eventTimeMs: Float64Array;
  readonly customer: Int32Array;
  readonly isFraud: Uint8Array;
}

export interface TimeSplit {
  /** Ascending row indices. */
  readonly train: Uint32Array;
  readonly test: Uint32Array;
  /** Rows of the test period dropped because their card was known to be compromised. */
  readonly excludedTestRows: number;
  /** UTC day numbers: [trainStartDay, trainStartDay + trainDays) and [testStartDay, testStartDay + testDays). */
  readonly trainStartDay: number;
  readonly testStartDay: number;
}

export const HANDBOOK_TRAIN_START = '2018-07-25';

function startDay(trainStart: string | number, issues: ConfigIssue[]): number {
  if (typeof trainStart === 'number') {
    if (!Number.isFinite(trainStart)) issues.push({ field: 'trainStart', problem: 'must be a finite epoch ms' });
    return dayIndex(trainStart);
  }
  const ms = Date.parse(`${trainStart}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(trainStart) || Number.isNaN(ms)) {
    issues.push({ field: 'trainStart', problem: `must be YYYY-MM-DD, got ${JSON.stringify(trainStart)}` });
  }
  return dayIndex(ms);
}

export function timeSplit(tx: TimeSplitColumns, options: TimeSplitOptions): TimeSplit {
  const issues: ConfigIssue[] = [];
  const trainDays = options.trainDays ?? 7;
  const delayDays = options.delayDays ?? 7;
  const testDays = options.testDays ?? 7;
  const s = startDay(options.trainStart, issues);
  for (const [field, v, min] of [
    ['trainDays', trainDays, 1],
    ['delayDays', delayDays, 0],
    ['testDays', testDays, 1],
  ] as const) {
    if (!Number.isInteger(v) || v < min) issues.push({ field, problem: `must be an integer >= ${min}, got ${v}` });
  }
  if (issues.length > 0) throw new ConfigError(issues);

  const testStart = s + trainDays + delayDays;
  // Earliest fraud day of each customer on or after the training start: a customer is known to be
  // compromised on test day T exactly when that day is <= T - delayDays - 1.
  const firstFraudDay = new Map<number, number>();
  for (let i = 0; i < tx.length; i++) {
    if (tx.isFraud[i] !== 1) continue;
    const d = dayIndex(tx.eventTimeMs[i]!);
    if (d < s) continue;
    const c = tx.customer[i]!;
    const prev = firstFraudDay.get(c);
    if (prev === undefined || d < prev) firstFraudDay.set(c, d);
  }
  const train: number[] = [];
  const test: number[] = [];
  let excluded = 0;
  for (let i = 0; i < tx.length; i++) {
    const d = dayIndex(tx.eventTimeMs[i]!);
    if (d >= s && d < s + trainDays) {
      train.push(i);
    } else if (d >= testStart && d < testStart + testDays) {
      const known = firstFraudDay.get(tx.customer[i]!);
      if (known !== undefined && known <= d - delayDays - 1) excluded++;
      else test.push(i);
    }
  }
  return {
    train: Uint32Array.from(train),
    test: Uint32Array.from(test),
    excludedTestRows: excluded,
    trainStartDay: s,
    testStartDay: testStart,
  };
}
