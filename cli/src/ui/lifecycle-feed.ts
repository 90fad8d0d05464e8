/**
 * The recent events of models.lifecycle.v1, for the Lifecycle page. Every refresh asks the brokers for
 * the topic's offsets; when they moved, a short-lived consumer (a group of its own, committing nothing)
 * reads the last `keep` records of each partition, and the newest `keep` of those replace what was kept.
 * When Kafka cannot be reached the feed says so and keeps the events it had, marked with when they were
 * read, so the page never fails for it.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Admin, Kafka } from 'kafkajs';
import type { Logger, TopicCodec } from '@riskstream/shared';

export interface LifecycleEventView {
  readonly partition: number;
  readonly offset: string;
  /** The decoded ModelLifecycleEvent, or { undecodable } when it could not be decoded. */
  readonly event: Readonly<Record<string, unknown>>;
}

export interface LifecycleSnapshot {
  readonly topic: string;
  /** starting: not read yet; ok: the last refresh reached Kafka; unavailable: it did not. */
  readonly status: 'starting' | 'ok' | 'unavailable';
  readonly error: string | null;
  /** When the events shown were read (ISO), and when Kafka was last asked. */
  readonly readAt: string | null;
  readonly checkedAt: string | null;
  /** Newest first. */
  readonly events: readonly LifecycleEventView[];
}

export interface LifecycleFeedOptions {
  readonly kafka: Kafka;
  readonly codec: TopicCodec;
  readonly topic: string;
  readonly keep: number;
  readonly refreshMs: number;
  readonly logger: Logger;
  /** How long one read may take before it settles for what it has. */
  readonly readTimeoutMs?: number;
}

interface PartitionRange {
  readonly partition: number;
  readonly start: number;
  readonly end: number;
}

export class LifecycleFeed {
  readonly #o: LifecycleFeedOptions;
  #snapshot: LifecycleSnapshot;
  #signature = '';
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;

  constructor(options: LifecycleFeedOptions) {
    this.#o = options;
    this.#snapshot = { topic: options.topic, status: 'starting', error: null, readAt: null, checkedAt: null, events: [] };
  }

  snapshot(): LifecycleSnapshot {
    return this.#snapshot;
  }

  /** Reads now, then every refreshMs until stop(). */
  start(): void {
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#o.refreshMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#inFlight;
  }

  /** One refresh at a time: a caller during one waits for it. */
  refresh(): Promise<void> {
    this.#inFlight ??= this.#refresh().finally(() => (this.#inFlight = undefined));
    return this.#inFlight;
  }

  async #refresh(): Promise<void> {
    const checkedAt = new Date().toISOString();
    try {
      const ranges = await partitionRanges(this.#o.kafka, this.#o.topic, this.#o.keep);
      const signature = JSON.stringify(ranges);
      if (signature === this.#signature && this.#snapshot.status === 'ok') {
        this.#snapshot = { ...this.#snapshot, checkedAt };
        return;
      }
      const events = await readRanges(this.#o, ranges);
      this.#signature = signature;
      this.#snapshot = { topic: this.#o.topic, status: 'ok', error: null, readAt: checkedAt, checkedAt, events: newestFirst(events).slice(0, this.#o.keep) };
    } catch (err) {
      this.#o.logger.warn({ err, topic: this.#o.topic }, 'lifecycle feed: Kafka not reachable');
      this.#snapshot = { ...this.#snapshot, status: 'unavailable', error: (err as Error).message, checkedAt };
    }
  }
}

/** The last `keep` offsets of each partition; none when the topic does not exist yet. */
async function partitionRanges(kafka: Kafka, topic: string, keep: number): Promise<PartitionRange[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return [];
    return offsetsToRanges(await admin.fetchTopicOffsets(topic), keep);
  } finally {
    await disconnect(admin);
  }
}

export function offsetsToRanges(offsets: readonly { partition: number; low: string; high: string }[], keep: number): PartitionRange[] {
  return offsets
    .map((o) => ({ partition: o.partition, start: Math.max(Number(o.low), Number(o.high) - keep), end: Number(o.high) }))
    .filter((r) => r.end > r.start)
    .sort((a, b) => a.partition - b.partition);
}

async function readRanges(o: LifecycleFeedOptions, ranges: readonly PartitionRange[]): Promise<LifecycleEventView[]> {
  if (ranges.length === 0) return [];
  const consumer = o.kafka.consumer({ groupId: `riskstream-ui-lifecycle-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`, readUncommitted: false });
  const events: LifecycleEventView[] = [];
  const pending = new Map(ranges.map((r) => [r.partition, r]));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: o.topic, fromBeginning: true });
    let finished: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finished = resolve));
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const range = pending.get(partition);
        if (!range || Number(message.offset) < range.start) return;
        events.push({ partition, offset: message.offset, event: await decoded(o.codec, message.value) });
        if (Number(message.offset) >= range.end - 1) pending.delete(partition);
        if (pending.size === 0) finished();
      },
    });
    for (const r of ranges) consumer.seek({ topic: o.topic, partition: r.partition, offset: String(r.start) });
    // A range may end in a transaction marker or an aborted record that read_committed never delivers.
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, o.readTimeoutMs ?? 8000).unref())]);
    return events;
  } finally {
    await disconnect(consumer);
  }
}

async function decoded(codec: TopicCodec, value: Buffer | null): Promise<Record<string, unknown>> {
  try {
    return (await codec.decode('modelsLifecycle', value)) as Record<string, unknown>;
  } catch (err) {
    return { undecodable: (err as Error).message };
  }
}

function newestFirst(events: readonly LifecycleEventView[]): LifecycleEventView[] {
  const at = (e: LifecycleEventView) => (typeof e.event['at'] === 'number' ? e.event['at'] : 0);
  return [...events].sort((a, b) => at(b) - at(a) || Number(b.offset) - Number(a.offset));
}

async function disconnect(client: Pick<Admin, 'disconnect'>): Promise<void> {
  await client.disconnect().catch(() => undefined);
}
