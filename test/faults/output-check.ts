import type { Redis } from 'ioredis';
import { amountToCents, dayIndex } from '@riskstream/shared/features';
import { decodeEntityValue, STORE_LAYOUT, type EntityLayout } from '@riskstream/shared/feature-store';
import type { FaultTransaction } from './fault-transactions.ts';
import { seqOf } from './fault-transactions.ts';

/** One record read back from the read_committed output: its transaction, card token and partition. */
export interface OutputRecordRef {
  readonly id: string;
  readonly cardToken: string;
  readonly partition: number;
}

export interface DeliveryCheck {
  readonly scored: number;
  readonly lost: number;
  readonly duplicates: number;
  /** Records on the scored topic that are no valid input of this run (an invalid one scored, a stranger). */
  readonly unexpected: number;
  /** Cards whose scored events are not in their input order, and cards spread over several partitions. */
  readonly outOfOrderCards: number;
  readonly splitCards: number;
}

/** Every valid input scored exactly once, on one partition per card, in each card's input order. */
export function checkScored(inputs: readonly FaultTransaction[], scored: readonly OutputRecordRef[]): DeliveryCheck {
  const valid = new Set(inputs.filter((t) => t.valid).map((t) => t.id));
  const seen = new Map<string, number>();
  let unexpected = 0;
  for (const r of scored) {
    if (!valid.has(r.id)) unexpected++;
    seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
  }
  let lost = 0;
  for (const id of valid) if (!seen.has(id)) lost++;
  let duplicates = 0;
  for (const n of seen.values()) duplicates += n - 1;
  const partitions = new Map<string, Set<number>>();
  const byCard = new Map<string, number[]>();
  const first = new Set<string>();
  for (const r of scored) {
    let parts = partitions.get(r.cardToken);
    if (!parts) partitions.set(r.cardToken, (parts = new Set()));
    parts.add(r.partition);
    // Order is judged on each record's first appearance; a duplicate re-read is counted above, not here.
    if (first.has(r.id)) continue;
    first.add(r.id);
    let seqs = byCard.get(r.cardToken);
    if (!seqs) byCard.set(r.cardToken, (seqs = []));
    seqs.push(seqOf(r.id));
  }
  const splitCards = [...partitions.values()].filter((p) => p.size > 1).length;
  // The read order within a partition is the log order.
  const outOfOrderCards = [...byCard.values()].filter((seqs) => seqs.some((s, i) => i > 0 && s < seqs[i - 1]!)).length;
  return { scored: seen.size, lost, duplicates, unexpected, outOfOrderCards, splitCards };
}

export interface DlqCheck {
  readonly dlq: number;
  /** Invalid inputs not in the DLQ. */
  readonly missing: number;
  /** DLQ records beyond one per invalid input, or of valid inputs. */
  readonly extra: number;
}

export function checkDlq(inputs: readonly FaultTransaction[], dlqIds: readonly string[]): DlqCheck {
  const invalid = new Set(inputs.filter((t) => !t.valid).map((t) => t.id));
  const seen = new Map<string, number>();
  for (const id of dlqIds) seen.set(id, (seen.get(id) ?? 0) + 1);
  let missing = 0;
  for (const id of invalid) if (!seen.has(id)) missing++;
  let extra = 0;
  for (const [id, n] of seen) extra += invalid.has(id) ? n - 1 : n;
  return { dlq: dlqIds.length, missing, extra };
}

type Buckets = Map<number, { n: number; s: number; f: number }>;

function add(map: Map<string, Buckets>, key: string, day: number, cents: number): void {
  let b = map.get(key);
  if (!b) map.set(key, (b = new Map()));
  const d = b.get(day) ?? { n: 0, s: 0, f: 0 };
  d.n += 1;
  d.s += cents;
  b.set(day, d);
}

export interface FeatureStateCheck {
  readonly entities: number;
  readonly mismatched: number;
  readonly examples: readonly string[];
}

/**
 * Redis feature state against an offline recomputation from the inputs: each valid event counted once
 * in its card's and its terminal's bucket of its UTC day (shared/src/features' applyEventToBuckets: count
 * and integer-cent sum). The recomputation is exact for every key here, whatever the processing order,
 * because the per-day fields are sums and the stream spans fewer days than any retention (nothing is
 * evicted). No labels are produced, so every fraud count must be 0. A card's token is the HMAC of its
 * number with the run's key: it is taken from the scored output (`tokens`), so a card none of whose
 * events was scored is not compared (its events count as lost anyway).
 */
export async function checkFeatureState(redis: Redis, featurePrefix: string, inputs: readonly FaultTransaction[], tokens: ReadonlyMap<string, string>): Promise<FeatureStateCheck> {
  const customers = new Map<string, Buckets>();
  const terminals = new Map<string, Buckets>();
  for (const t of inputs) {
    if (!t.valid) continue;
    const token = tokens.get(t.cardNumber);
    const day = dayIndex(t.eventTime);
    if (token !== undefined) add(customers, token, day, amountToCents(t.amount));
    add(terminals, t.terminalId, day, amountToCents(t.amount));
  }
  const examples: string[] = [];
  let mismatched = 0;
  const compare = async (kind: 'c' | 't', expected: Map<string, Buckets>, layout: EntityLayout) => {
    const keys = [...expected.keys()];
    for (let i = 0; i < keys.length; i += 500) {
      const chunk = keys.slice(i, i + 500);
      const values = await redis.mgetBuffer(...chunk.map((k) => `${featurePrefix}v2:${kind}:${k}`));
      chunk.forEach((k, j) => {
        const problem = entityProblem(values[j] ?? null, expected.get(k)!, layout);
        if (problem === undefined) return;
        mismatched++;
        if (examples.length < 5) examples.push(`${kind}:${k}: ${problem}`);
      });
    }
  };
  await compare('c', customers, STORE_LAYOUT.customer);
  await compare('t', terminals, STORE_LAYOUT.terminal);
  return { entities: customers.size + terminals.size, mismatched, examples };
}

function entityProblem(value: Buffer | null, expected: Buckets, layout: EntityLayout): string | undefined {
  if (value === null) return 'absent';
  const state = decodeEntityValue(value, layout);
  const stored = layout.fields;
  const got = new Map(state.buckets.map((b) => [b.day, b]));
  for (const [day, e] of expected) {
    const b = got.get(day);
    if (!b) return `day ${day} absent`;
    if (b.count !== e.n) return `day ${day}: n ${b.count}, expected ${e.n}`;
    if (stored.includes('s') && b.sumAmountCents !== e.s) return `day ${day}: s ${b.sumAmountCents}, expected ${e.s}`;
    if (stored.includes('f') && b.fraudCount !== 0) return `day ${day}: f ${b.fraudCount}, expected 0`;
  }
  if (got.size !== expected.size) return `${got.size} days stored, expected ${expected.size}`;
  return undefined;
}
