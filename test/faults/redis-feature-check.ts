/**
 * The check of fault scenario 5 (Redis lost its state): no wrong feature is emitted silently. Every
 * enriched record either carries the features an offline recomputation gives from its card's earlier
 * events, or is marked features_degraded; the scored record carries the same mark; and once a card's
 * record is degraded, every later one of that card is too until the state is complete again (one
 * feature window after the loss, longer than any stream here).
 */
import {
  applyEventToBuckets,
  BUCKET_RETENTION_DAYS,
  computeFeatures,
  FEATURE_NAMES,
  type MutableDailyBucket,
} from '@riskstream/shared/features';
import type { FaultTransaction } from './fault-transactions.ts';

export interface EnrichedView {
  readonly id: string;
  readonly features: Readonly<Record<string, number>>;
  readonly degraded: boolean;
}

export interface DegradedCheck {
  readonly records: number;
  readonly degraded: number;
  /** Not marked degraded, yet features differ from the recomputation: the silent error the scenario forbids. */
  readonly wrongUnmarked: number;
  /** Marked degraded although the features equal the recomputation (allowed; reported for the record). */
  readonly degradedButRight: number;
  /** Scored records whose features_degraded differs from their enriched record's. */
  readonly scoredMarkMismatches: number;
  /** Cards with a record not degraded after a degraded one. */
  readonly cardsHealedEarly: number;
  readonly examples: readonly string[];
}

function same(a: number | undefined, b: number): boolean {
  return a !== undefined && (a === b || (Number.isNaN(a) && Number.isNaN(b)));
}

/**
 * Customer windows come from the card's earlier valid events, in the card's order (seq); terminal
 * windows read ages 7..36 days, and a fault stream spans at most two days, so they are empty.
 */
export function checkDegradedFeatures(inputs: readonly FaultTransaction[], enriched: readonly EnrichedView[], scoredDegraded: ReadonlyMap<string, boolean>): DegradedCheck {
  const byId = new Map(enriched.map((e) => [e.id, e]));
  const byCard = new Map<string, FaultTransaction[]>();
  for (const t of inputs) {
    if (!t.valid) continue;
    let list = byCard.get(t.cardNumber);
    if (!list) byCard.set(t.cardNumber, (list = []));
    list.push(t);
  }
  let records = 0;
  let degraded = 0;
  let wrongUnmarked = 0;
  let degradedButRight = 0;
  let scoredMarkMismatches = 0;
  let cardsHealedEarly = 0;
  const examples: string[] = [];
  for (const events of byCard.values()) {
    events.sort((a, b) => a.seq - b.seq);
    const buckets: MutableDailyBucket[] = [];
    let sawDegraded = false;
    let healed = false;
    for (const t of events) {
      const e = byId.get(t.id);
      if (e) {
        records++;
        const expected = computeFeatures({ eventTimeMs: t.eventTime, amount: t.amount }, buckets, []);
        const wrong = FEATURE_NAMES.findIndex((name, i) => !same(e.features[name], expected[i]!));
        if (e.degraded) {
          degraded++;
          sawDegraded = true;
          if (wrong < 0) degradedButRight++;
        } else {
          if (sawDegraded) healed = true;
          if (wrong >= 0) {
            wrongUnmarked++;
            if (examples.length < 5) examples.push(`${t.id} ${FEATURE_NAMES[wrong]}: stream ${e.features[FEATURE_NAMES[wrong]!]}, offline ${expected[wrong]}`);
          }
        }
        const scored = scoredDegraded.get(t.id);
        if (scored !== undefined && scored !== e.degraded) scoredMarkMismatches++;
      }
      applyEventToBuckets(buckets, { eventTimeMs: t.eventTime, amount: t.amount }, BUCKET_RETENTION_DAYS.customer);
    }
    if (healed) cardsHealedEarly++;
  }
  return { records, degraded, wrongUnmarked, degradedButRight, scoredMarkMismatches, cardsHealedEarly, examples };
}
