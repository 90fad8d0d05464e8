import type { Message, TopicMessages } from 'kafkajs';
import { encodedSize } from './dead-letter.ts';

export interface MemberGeneration {
  readonly generationId: number;
  readonly memberId: string;
}

export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * What one member has processed and not yet committed: the outputs (in processing order per partition)
 * and, per input partition, the next offset to commit. Belongs to one group generation: its offsets may only be committed by that
 * generation (KIP-447: the broker refuses them from an older one).
 */
export class PendingTransaction {
  readonly member: MemberGeneration;
  readonly startedAt = Date.now();
  inputs = 0;
  readonly #outputs = new Map<string, Message[]>();
  readonly #next = new Map<string, PartitionOffset>();
  readonly #settled: Promise<void>;
  #resolve!: () => void;
  #reject!: (err: Error) => void;

  constructor(member: MemberGeneration) {
    this.member = member;
    this.#settled = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Nobody may be waiting when it fails (callers wait only under backpressure or at shutdown).
    this.#settled.catch(() => undefined);
  }

  add(topic: string, partition: number, nextOffset: string, outputs: readonly TopicMessages[], inputs: number): Promise<void> {
    const key = `${topic}\u0000${partition}`;
    this.#next.set(key, { topic, partition, offset: nextOffset });
    for (const tm of outputs) {
      let list = this.#outputs.get(tm.topic);
      if (!list) this.#outputs.set(tm.topic, (list = []));
      for (const m of tm.messages) list.push(m);
    }
    this.inputs += inputs;
    return this.#settled;
  }

  countsByTopic(): Array<[topic: string, count: number]> {
    return [...this.#outputs].map(([topic, list]) => [topic, list.length]);
  }

  /** The offsets to commit, grouped as kafkajs's sendOffsets wants them. */
  offsets(): Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> {
    const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
    for (const { topic, partition, offset } of this.#next.values()) {
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push({ partition, offset });
    }
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
  }

  /**
   * The outputs in sends of at most `maxBytes` each: kafkajs puts all of a send's messages for one
   * partition into one record batch, and the broker refuses a batch over its max.message.bytes.
   */
  chunks(maxBytes: number): TopicMessages[][] {
    const chunks: TopicMessages[][] = [];
    let current = new Map<string, Message[]>();
    let bytes = 0;
    for (const [topic, messages] of this.#outputs) {
      for (const m of messages) {
        const size = encodedSize(m);
        if (bytes > 0 && bytes + size > maxBytes) {
          chunks.push(toTopicMessages(current));
          current = new Map();
          bytes = 0;
        }
        let list = current.get(topic);
        if (!list) current.set(topic, (list = []));
        list.push(m);
        bytes += size;
      }
    }
    if (bytes > 0) chunks.push(toTopicMessages(current));
    return chunks;
  }

  resolve(): void {
    this.#resolve();
  }

  reject(err: Error): void {
    this.#reject(err);
  }
}

function toTopicMessages(byTopic: Map<string, Message[]>): TopicMessages[] {
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
