import type { ValidTransaction } from '@riskstream/ingest';
import type { DecisionOutcome, DecisionPipeline } from './decision-pipeline.ts';
import type { DecisionsMetrics } from './decisions-metrics.ts';

interface Waiting {
  readonly tx: ValidTransaction;
  readonly resolve: (outcome: DecisionOutcome) => void;
}

/**
 * Turns concurrent requests into batches: a request arriving while the pipeline is idle goes alone, at
 * once; requests arriving while a batch is in its first phase wait for it and then go together (up to
 * `maxBatch`), so under load one Redis round trip and one model run serve many requests, and alone a
 * request waits for nothing.
 */
export class DecisionQueue {
  readonly #pipeline: DecisionPipeline;
  readonly #maxBatch: number;
  readonly #metrics: DecisionsMetrics;
  #waiting: Waiting[] = [];
  #running: Promise<void> | null = null;
  readonly #publishing = new Set<Promise<void>>();

  constructor(pipeline: DecisionPipeline, maxBatch: number, metrics: DecisionsMetrics) {
    this.#pipeline = pipeline;
    this.#maxBatch = maxBatch;
    this.#metrics = metrics;
  }

  decide(tx: ValidTransaction): Promise<DecisionOutcome> {
    return new Promise((resolve) => {
      this.#waiting.push({ tx, resolve });
      this.#running ??= this.#run();
    });
  }

  /** Resolves when every request taken so far is answered. */
  async drain(): Promise<void> {
    while (this.#running || this.#publishing.size > 0) await Promise.all([this.#running, ...this.#publishing]);
  }

  async #run(): Promise<void> {
    while (this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, this.#maxBatch);
      this.#metrics.batchSize.observe(batch.length);
      const finish = await this.#pipeline.decide(batch.map((w) => w.tx));
      const publishing = finish().then((outcomes) => outcomes.forEach((o, i) => batch[i]!.resolve(o)));
      this.#publishing.add(publishing);
      void publishing.finally(() => this.#publishing.delete(publishing));
    }
    this.#running = null;
  }
}
