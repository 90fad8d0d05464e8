import type { Kafka, Producer, TopicMessages } from 'kafkajs';
import { TransactionError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { PipelineMetrics } from '../metrics.ts';
import { createIdempotentProducer } from '../producer.ts';
import { PendingTransaction, type MemberGeneration } from './pending-transaction.ts';
import { withRetry, type RetryPolicy } from './retry.ts';
import type { CommitCadence } from './runner-types.ts';

/**
 * A member that stops without a restart (paused, partitioned away) keeps its open transaction, and with
 * it the read_committed position of every partition it wrote to, until the coordinator times it out.
 * Kafka Streams uses the same 10 s under exactly-once.
 */
const MEMBER_TRANSACTION_TIMEOUT_MS = 10_000;

export interface CadenceOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly transactionalId: string;
  readonly cadence: CommitCadence;
  /** Largest send inside a transaction (see PendingTransaction.chunks). */
  readonly maxRequestBytes: number;
  readonly retry: RetryPolicy;
  readonly metrics: PipelineMetrics;
  readonly log: Logger;
  /**
   * After a failed commit: restart the consumer, so it resumes from the group's committed offsets. (Not
   * a seek: kafkajs keeps a seek until the next fetch, across rebalances, and would apply offsets read
   * before a rebalance to partitions other members have since moved on: duplicates.)
   */
  readonly restartConsumer: () => Promise<void>;
}

/**
 * One transactional producer per group member, committing everything the member processed, over all
 * its partitions and fetches, in one transaction every `intervalMs` or `maxRecords` inputs, whichever
 * comes first. While one transaction commits, the next accumulates.
 *
 * Fencing (KIP-447): the offsets go with the member's group generation, so the broker refuses a commit
 * from a member that lost its partitions (a zombie paused past its session timeout, or a rebalance that
 * moved them); its transaction aborts and the new owner, whose offset fetch waits for pending
 * transactional offsets (require_stable), starts from the last commit. The transactional id is stable
 * per instance, so a restarted instance also fences its own predecessor's open transaction at once.
 *
 * Failure: a commit that fails is treated as ambiguous (EndTxn may have landed). A new producer with
 * the same transactional id makes the coordinator finish or abort the attempt, then the consumer is
 * restarted and resumes from the group's committed offsets, so every record is processed again exactly
 * when its outputs did not commit.
 */
export class TransactionCadence {
  readonly #o: CadenceOptions;
  #member: MemberGeneration | undefined;
  #pending: PendingTransaction | undefined;
  #committing: Promise<void> | undefined;
  #recovering: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #producer: Producer | undefined;

  constructor(options: CadenceOptions) {
    this.#o = options;
  }

  /** A new group generation: work of the old one that is not committing yet is dropped (kafkajs re-read the offsets). */
  joined(member: MemberGeneration): void {
    this.#member = member;
    const dropped = this.#pending;
    this.#pending = undefined;
    this.#clearTimer();
    if (!dropped) return;
    dropped.reject(new TransactionError('the group rebalanced before this work committed', undefined));
    this.#o.metrics.transactionFailures.inc({ type: 'REBALANCED' });
    this.#o.log.info({ inputs: dropped.inputs, generationId: member.generationId }, 'work of an earlier generation dropped before commit');
  }

  /**
   * Adds a processed micro-batch of one input partition. Returns a promise of its commit, or undefined
   * when the work is refused (it belongs to an older generation, or a failed commit is being settled and
   * the consumer restarted): the caller then must not move its position past these records.
   */
  add(generationId: number, topic: string, partition: number, nextOffset: string, outputs: readonly TopicMessages[], inputs: number): Promise<void> | undefined {
    const member = this.#member;
    if (this.#recovering || !member || member.generationId !== generationId) return undefined;
    this.#pending ??= new PendingTransaction(member);
    const committed = this.#pending.add(topic, partition, nextOffset, outputs, inputs);
    this.#schedule();
    return committed;
  }

  /** True when the pending transaction is full: the caller should wait for its commit (backpressure). */
  get backlogged(): boolean {
    return (this.#pending?.inputs ?? 0) >= this.#o.cadence.maxRecords;
  }

  /**
   * Commits everything pending now and waits for it (shutdown). During a recovery there is nothing to
   * commit: the pending work was dropped and is processed again after the restart.
   */
  async flush(): Promise<void> {
    for (;;) {
      if (this.#recovering) return;
      if (this.#committing) await this.#committing;
      else if (this.#pending) this.#startCommit();
      else return;
    }
  }

  async close(): Promise<void> {
    this.#clearTimer();
    await this.#producer?.disconnect().catch(() => undefined);
    this.#producer = undefined;
  }

  #schedule(): void {
    const p = this.#pending;
    if (!p || this.#committing || this.#recovering) return;
    const due = p.startedAt + this.#o.cadence.intervalMs - Date.now();
    if (p.inputs >= this.#o.cadence.maxRecords || due <= 0) {
      this.#startCommit();
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#schedule();
    }, due);
  }

  #startCommit(): void {
    const batch = this.#pending!;
    this.#pending = undefined;
    this.#clearTimer();
    this.#committing = this.#commit(batch)
      .then(
        () => batch.resolve(),
        (err: TransactionError) => {
          batch.reject(err);
          this.#failed(batch, err);
        },
      )
      .finally(() => {
        this.#committing = undefined;
        this.#schedule();
      });
  }

  async #commit(batch: PendingTransaction): Promise<void> {
    const started = process.hrtime.bigint();
    const producer = await this.#connectedProducer();
    const tx = await producer.transaction();
    try {
      for (const chunk of batch.chunks(this.#o.maxRequestBytes)) await tx.sendBatch({ topicMessages: chunk, acks: -1 });
      // generationId and memberId: KIP-447's TxnOffsetCommit v3 (scripts/dependency-patches).
      await tx.sendOffsets({ consumerGroupId: this.#o.groupId, topics: batch.offsets(), ...batch.member } as Parameters<typeof tx.sendOffsets>[0]);
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      await this.#dropProducer();
      throw new TransactionError(`transaction of ${batch.inputs} inputs failed: ${(err as Error).message}`, err);
    }
    const m = this.#o.metrics;
    m.transactionSize.observe(batch.inputs);
    m.transactionDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    for (const [topic, n] of batch.countsByTopic()) m.produced.inc({ topic }, n);
  }

  #failed(batch: PendingTransaction, err: TransactionError): void {
    this.#o.metrics.transactionFailures.inc({ type: err.kafkaType ?? 'unknown' });
    if (batch.member.generationId !== this.#member?.generationId) {
      // The group moved on while it committed; kafkajs rejoined and re-read the committed offsets.
      this.#o.log.info({ err, code: err.code, kafkaType: err.kafkaType }, 'transaction of an earlier generation did not commit');
      return;
    }
    const inputs = batch.inputs + (this.#pending?.inputs ?? 0);
    this.#pending?.reject(err);
    this.#pending = undefined;
    this.#clearTimer();
    this.#o.log.warn({ err, code: err.code, kafkaType: err.kafkaType, inputs }, 'transaction failed; settling it and resuming from the committed offsets');
    this.#recovering = withRetry(this.#o.retry, 'transaction recovery', async () => undefined, async () => {
      await this.#connectedProducer();
      await this.#o.restartConsumer();
    })
      .catch((e: unknown) => this.#o.log.error({ err: e }, 'transaction recovery stopped'))
      .finally(() => {
        this.#recovering = undefined;
      });
  }

  async #connectedProducer(): Promise<Producer> {
    if (this.#producer) return this.#producer;
    // connect() runs InitProducerId: the coordinator completes or aborts this id's previous transaction
    // and fences its previous holder before answering.
    const p = createIdempotentProducer(this.#o.kafka, this.#o.transactionalId, MEMBER_TRANSACTION_TIMEOUT_MS);
    try {
      await p.connect();
    } catch (err) {
      await p.disconnect().catch(() => undefined);
      throw new TransactionError(`transactional producer ${this.#o.transactionalId} could not connect: ${(err as Error).message}`, err);
    }
    this.#producer = p;
    return p;
  }

  async #dropProducer(): Promise<void> {
    const p = this.#producer;
    this.#producer = undefined;
    await p?.disconnect().catch(() => undefined);
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
