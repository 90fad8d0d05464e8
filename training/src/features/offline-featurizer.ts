/**
 * Point-in-time batch featurisation: replays the transactions in event-time order through exactly the
 * calls the streaming feature service makes — compute the features from the entity buckets as they are
 * before the event, then record the event — so each row only sees what the service would have seen.
 *
 * Labels: the service learns a transaction's label later, from the label topic. Offline the label is
 * recorded in the terminal's bucket right after the transaction; that is equivalent because terminal
 * windows only read days <= d - TERMINAL_DELAY_DAYS, i.e. labels assumed known by then. A label feed
 * that takes longer than the delay would make the service see fewer frauds than training did.
 */

import {
  applyEventToBuckets,
  applyLabelToBuckets,
  BUCKET_RETENTION_DAYS,
  computeFeaturesInto,
  FEATURE_COUNT,
  FEATURE_NAMES,
} from '@riskstream/shared/features';
import type { MutableDailyBucket } from '@riskstream/shared/features';
import { ValidationError } from '@riskstream/shared';
import { createDataset } from '../data/dataset.ts';
import type { Dataset } from '../data/dataset.ts';

/** The columns featurisation reads (a simulator TransactionColumns has them all). */
export interface FeaturizableTransactions {
  readonly length: number;
  readonly eventTimeMs: Float64Array;
  readonly customer: Int32Array;
  /** Terminal id, negative when the event has none. */
  readonly terminal: Int32Array;
  readonly amount: Float64Array;
  readonly isFraud: Uint8Array;
}

/**
 * Rows in the input order, FEATURE_NAMES columns (float32, NaN = missing), `y` = isFraud and `group` =
 * customer id (for grouped splits). Input that is not sorted by event time is processed in time order
 * (stable for ties) and still written back at its own row.
 */
export function featurizeOffline(tx: FeaturizableTransactions): Dataset {
  const n = tx.length;
  const order = timeOrder(tx.eventTimeMs, n);
  let maxCustomer = -1;
  let maxTerminal = -1;
  for (let i = 0; i < n; i++) {
    const c = tx.customer[i]!;
    if (c < 0) throw new ValidationError('CUSTOMER_MISSING', [{ path: `customer[${i}]`, problem: 'must be >= 0' }]);
    if (c > maxCustomer) maxCustomer = c;
    if (tx.terminal[i]! > maxTerminal) maxTerminal = tx.terminal[i]!;
  }
  const customerBuckets: MutableDailyBucket[][] = Array.from({ length: maxCustomer + 1 }, () => []);
  const terminalBuckets: MutableDailyBucket[][] = Array.from({ length: maxTerminal + 1 }, () => []);
  const x = new Float32Array(n * FEATURE_COUNT);
  const y = new Uint8Array(n);
  const group = new Int32Array(n);
  // One reused event object: the shared functions only read it during the call.
  const event = { eventTimeMs: 0, amount: 0 };
  const label = { eventTimeMs: 0, isFraud: false };
  for (let k = 0; k < n; k++) {
    const i = order === null ? k : order[k]!;
    event.eventTimeMs = tx.eventTimeMs[i]!;
    event.amount = tx.amount[i]!;
    const customer = customerBuckets[tx.customer[i]!]!;
    const t = tx.terminal[i]!;
    const terminal = t >= 0 ? terminalBuckets[t]! : null;
    computeFeaturesInto(event, customer, terminal, x, i * FEATURE_COUNT);
    applyEventToBuckets(customer, event, BUCKET_RETENTION_DAYS.customer);
    if (terminal !== null) {
      applyEventToBuckets(terminal, event, BUCKET_RETENTION_DAYS.terminal);
      if (tx.isFraud[i] === 1) {
        label.eventTimeMs = event.eventTimeMs;
        label.isFraud = true;
        applyLabelToBuckets(terminal, label, BUCKET_RETENTION_DAYS.terminal);
      }
    }
    y[i] = tx.isFraud[i]!;
    group[i] = tx.customer[i]!;
  }
  return createDataset({ featureNames: FEATURE_NAMES, x, y, group });
}

/** null when already sorted (the common case, no copy); else a stable time order. */
function timeOrder(eventTimeMs: Float64Array, n: number): Int32Array | null {
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (eventTimeMs[i]! < eventTimeMs[i - 1]!) sorted = false;
  if (sorted) return null;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  // Array.prototype.sort is stable, so ties keep input order.
  return Int32Array.from(Array.from(order).sort((a, b) => eventTimeMs[a]! - eventTimeMs[b]! || a - b));
}
