import { DependencyError, type OutputRecord } from '@riskstream/shared';

/**
 * Sends outbox records with one producer request for everything that queued up while the previous one
 * was in flight (group commit): under load a request carries many decisions, and alone it goes at once.
 * A publish that Kafka has not acknowledged within `timeoutMs` fails with a DependencyError; its records
 * may still arrive later (the decision was not given, and a retry answers the same: answer-store.ts).
 */
export class OutboxPublisher {
  readonly #send: (records: readonly OutputRecord[]) => Promise<void>;
  readonly #timeoutMs: number;
  #queue: { records: readonly OutputRecord[]; done: (err?: unknown) => void }[] = [];
  #sending: Promise<void> | null = null;

  constructor(send: (records: readonly OutputRecord[]) => Promise<void>, timeoutMs: number) {
    this.#send = send;
    this.#timeoutMs = timeoutMs;
  }

  publish(records: readonly OutputRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new DependencyError('kafka', `outbox records not acknowledged within ${this.#timeoutMs} ms`)), this.#timeoutMs);
      this.#queue.push({ records, done: (err) => (clearTimeout(timer), err === undefined ? resolve() : reject(err)) });
      this.#sending ??= this.#pump();
    });
  }

  /** Resolves when everything queued so far was sent or failed. */
  async drain(): Promise<void> {
    while (this.#sending) await this.#sending;
  }

  async #pump(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      try {
        await this.#send(batch.flatMap((b) => b.records));
        for (const b of batch) b.done();
      } catch (err) {
        for (const b of batch) b.done(err);
      }
    }
    this.#sending = null;
  }
}
