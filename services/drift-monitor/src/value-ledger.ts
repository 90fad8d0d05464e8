/**
 * Counts the business value of every decision of the monitored model, whatever its version: estimated at
 * scoring (value-model expected value at the calibrated score), realised when the label joins. It keeps
 * its own label join, independent of the champion the drift statistics follow, because experiment arms
 * and shadow-to-live switches decide with versions that are not the champion.
 *
 * The experiment and arm are read defensively: records written before scored records carried them (or by
 * a producer that omits them) count under "" and "". Distinct (experiment, arm) pairs are capped so a
 * misbehaving producer cannot grow the metrics without bound; pairs past the cap count under OVERFLOW_ARM.
 */
import type { Decision, ScoredTransaction, TransactionLabel, ValueModel } from '@riskstream/shared';
import { LabelJoin } from './label-join.ts';
import type { ValueCounters, ValueMetrics } from './value-metrics.ts';

const DECISION_CODES: readonly Decision[] = ['APPROVE', 'REVIEW', 'DECLINE'];
export const MAX_ARMS = 64;
export const OVERFLOW_ARM = '_other';

interface Arm {
  readonly experiment: string;
  readonly arm: string;
}

interface Tally {
  readonly version: number;
  readonly arm: number;
  benefit: number;
  cost: number;
  events: number;
}

export interface ValueLedgerOptions {
  readonly model: ValueModel;
  readonly modelName: string;
  /** Recent scored records kept for the label join (rounded up like LabelJoin's). */
  readonly joinCapacity: number;
  readonly metrics: ValueMetrics;
}

function optionalString(record: object, key: string): string {
  const v = (record as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : '';
}

/** Per-batch sums by (version, arm), so each batch costs one counter update per series, not per record. */
class Tallies {
  readonly #byKey = new Map<string, Tally>();

  add(version: number, arm: number, value: number): void {
    const key = `${version}:${arm}`;
    let t = this.#byKey.get(key);
    if (!t) this.#byKey.set(key, (t = { version, arm, benefit: 0, cost: 0, events: 0 }));
    if (value >= 0) t.benefit += value;
    else t.cost -= value;
    t.events++;
  }

  flush(counters: ValueCounters, arms: readonly Arm[], currency: string): void {
    for (const t of this.#byKey.values()) {
      const a = arms[t.arm]!;
      const labels = { model_version: String(t.version), experiment: a.experiment, arm: a.arm, currency };
      counters.benefit.inc(labels, t.benefit);
      counters.cost.inc(labels, t.cost);
      counters.events.inc(labels, t.events);
    }
  }
}

export class ValueLedger {
  readonly #o: ValueLedgerOptions;
  readonly #join: LabelJoin;
  readonly #amount: Float64Array;
  readonly #decision: Uint8Array;
  readonly #arm: Uint8Array;
  readonly #arms: Arm[] = [{ experiment: '', arm: '' }];
  readonly #armIndex = new Map<string, number>([['\u0000', 0]]);

  constructor(options: ValueLedgerOptions) {
    this.#o = options;
    this.#join = new LabelJoin(options.joinCapacity);
    this.#amount = new Float64Array(this.#join.capacity);
    this.#decision = new Uint8Array(this.#join.capacity);
    this.#arm = new Uint8Array(this.#join.capacity);
  }

  /** The (experiment, arm) pairs seen so far, index 0 being "no experiment". */
  get arms(): readonly Arm[] {
    return this.#arms;
  }

  addScored(records: readonly ScoredTransaction[]): void {
    const model = this.#o.model;
    const tallies = new Tallies();
    for (const r of records) {
      const decision = DECISION_CODES.indexOf(r.decision);
      if (r.model_name !== this.#o.modelName || decision < 0 || !(r.amount >= 0) || !(r.score >= 0 && r.score <= 1)) continue;
      const arm = this.#armOf(r);
      tallies.add(r.model_version, arm, model.expected(r.decision, r.amount, r.score));
      this.#join.put(r.transaction_id, r.score, r.model_version);
      const slot = this.#join.slot;
      this.#amount[slot] = r.amount;
      this.#decision[slot] = decision;
      this.#arm[slot] = arm;
    }
    tallies.flush(this.#o.metrics.estimated, this.#arms, model.currency);
  }

  addLabels(records: readonly TransactionLabel[]): void {
    const model = this.#o.model;
    const join = this.#join;
    const tallies = new Tallies();
    for (const r of records) {
      if (!join.take(r.transaction_id)) continue;
      const slot = join.slot;
      tallies.add(join.version, this.#arm[slot]!, model.realised(DECISION_CODES[this.#decision[slot]!]!, this.#amount[slot]!, r.is_fraud));
    }
    tallies.flush(this.#o.metrics.realised, this.#arms, model.currency);
  }

  #armOf(r: ScoredTransaction): number {
    const experiment = optionalString(r, 'experiment');
    const arm = optionalString(r, 'experiment_arm');
    const key = `${experiment}\u0000${arm}`;
    let i = this.#armIndex.get(key);
    if (i !== undefined) return i;
    if (this.#arms.length >= MAX_ARMS) return this.#overflow();
    i = this.#arms.length;
    this.#arms.push({ experiment, arm });
    this.#armIndex.set(key, i);
    return i;
  }

  #overflow(): number {
    const key = `${OVERFLOW_ARM}\u0000${OVERFLOW_ARM}`;
    let i = this.#armIndex.get(key);
    if (i === undefined) {
      i = this.#arms.length;
      this.#arms.push({ experiment: OVERFLOW_ARM, arm: OVERFLOW_ARM });
      this.#armIndex.set(key, i);
    }
    return i;
  }
}
