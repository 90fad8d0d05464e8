/**
 * Per input partition, the newest event time seen so far. An event older than the watermark minus the
 * allowed lateness is LATE: it still gets features, but is not recorded, so buckets behind the grace
 * period never change once the stream has moved past them.
 *
 * Why per partition and in memory: Kafka orders a partition, not a topic, so a watermark only means
 * something per partition; and it is a policy for new events, not state the features depend on — a
 * redelivered event is answered from its stored snapshot whatever the watermark says now. After a
 * restart or rebalance the watermark starts empty, which only makes the first events more lenient.
 *
 * `lateness` is computed for a whole micro-batch without committing: a batch that fails and is retried
 * sees the same watermark, so the retry flags exactly the same events late.
 */
export class EventTimeWatermarks {
  readonly #allowedLatenessMs: number;
  readonly #byPartition = new Map<string, number>();

  constructor(allowedLatenessMs: number) {
    this.#allowedLatenessMs = allowedLatenessMs;
  }

  /** Late flags in order, and the watermark after the batch (pass it to `advance` once it is recorded). */
  lateness(partition: string, eventTimesMs: readonly number[]): { late: boolean[]; watermark: number } {
    let watermark = this.#byPartition.get(partition) ?? Number.NEGATIVE_INFINITY;
    const late = eventTimesMs.map((t) => {
      const isLate = t < watermark - this.#allowedLatenessMs;
      if (t > watermark) watermark = t;
      return isLate;
    });
    return { late, watermark };
  }

  advance(partition: string, watermark: number): void {
    if (watermark > (this.#byPartition.get(partition) ?? Number.NEGATIVE_INFINITY)) this.#byPartition.set(partition, watermark);
  }

  get(partition: string): number | undefined {
    return this.#byPartition.get(partition);
  }
}
