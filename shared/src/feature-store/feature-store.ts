import type { Redis } from 'ioredis';
import type { Counter, Histogram } from 'prom-client';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { STORE_LAYOUT } from './store-layout.ts';
import { redisUnavailable } from '../redis-client.ts';
import { migrateLegacyLayout } from './legacy-layout.ts';
import { LuaScript } from './lua-script.ts';
import {
  decodeEventReply,
  decodeGeneration,
  decodeLabelReply,
  encodeEventBatch,
  encodeLabelBatch,
  type LabelOutcome,
  type PreState,
  type StoreEvent,
  type StoreGeneration,
  type StoreLabel,
  type StoreSettings,
} from './store-protocol.ts';

/**
 * What the store records about itself: the time of each script call, labelled by script name
 * (apply-events, apply-labels), and the store generations this process saw replace the one it knew (a
 * Redis that lost its state). The owning process declares them under its own metric names.
 */
export interface FeatureStoreMetrics {
  readonly redisRoundtrip: Pick<Histogram<'script'>, 'startTimer'>;
  readonly generationChanges?: Pick<Counter, 'inc'>;
}

const APPLY_EVENTS = LuaScript.fromFiles('apply-events', ['entity-state.lua', 'apply-events.lua']);
const APPLY_LABELS = LuaScript.fromFiles('apply-labels', ['entity-state.lua', 'apply-labels.lua']);

/**
 * Errors the server answers that a retry can fix (loading a dump, a busy or read-only node during a
 * failover, memory pressure, ACL/auth being fixed). Any other error reply is about the request itself
 * (a script bug, a foreign value of the wrong type under our prefix) and is final for those records.
 */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|READONLY|MASTERDOWN|OOM|NOPERM|NOAUTH|WRONGPASS|ERR max number of clients)/;

function storeError(what: string, err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof Error && err.name === 'ReplyError' && !TRANSIENT_REPLY.test(err.message)) {
    return new AppError('HANDLER_FAILED', `${what}: redis refused the script: ${err.message}`, { cause: err });
  }
  // Connection refused/closed, command timeouts: the runner retries with backoff and commits nothing.
  return redisUnavailable(what, err);
}

/**
 * The online feature store: one packed value of daily buckets per entity (store-layout.ts), read and
 * updated by one script call per micro-batch. The script makes a batch atomic (no other batch
 * interleaves, a crash applies all or nothing) and idempotent (an event seen before answers its stored
 * pre-state and is not applied again), which is what lets the runner retry or redeliver a batch freely:
 * a timed-out call that still ran on the server is indistinguishable, to the retry, from a redelivery.
 *
 * Before its first batch a store makes sure the prefix holds no entity of an older layout
 * (legacy-layout.ts): one GET once migrated. A failure there fails the batch like a failed script call
 * (retried by the runner), and the next batch tries again.
 */
export class FeatureStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #settings: StoreSettings;
  readonly #metrics: FeatureStoreMetrics;
  readonly #logger: Pick<Logger, 'info' | 'warn'> | undefined;
  #layoutReady: Promise<void> | null = null;
  /** The generation id of the last answer ('' before the first): what proves a later loss. */
  #generation = '';

  constructor(redis: Redis, prefix: string, settings: StoreSettings, metrics: FeatureStoreMetrics, logger?: Pick<Logger, 'info' | 'warn'>) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#settings = settings;
    this.#metrics = metrics;
    this.#logger = logger;
  }

  /**
   * Pre-states in event order; records every event not marked late and not seen before. A pre-state is
   * `degraded` when the store lost its state and the event's windows reach back before the loss.
   *
   * Why flag instead of rebuilding from Kafka history: transactions.valid keeps 7 days (topics.ts),
   * less than the 37 days of history the windows read, so a replay could not restore the state exactly;
   * it would also have to pause every member of the group while it runs. Flagging is exact about which events are affected, costs nothing in the normal case, and heals
   * by itself one feature window after the loss.
   */
  async applyEvents(events: readonly StoreEvent[]): Promise<PreState[]> {
    if (events.length === 0) return [];
    await this.#ensureLayout();
    const call = encodeEventBatch(events, this.#prefix, this.#settings, STORE_LAYOUT, this.#generation);
    const reply = await this.#run(APPLY_EVENTS, call.keys, call.args, 'buffer');
    const pre = decodeEventReply(reply, events);
    this.#observeGeneration(decodeGeneration(reply, events));
    return pre;
  }

  #observeGeneration(generation: StoreGeneration): void {
    if (generation.id === this.#generation) return;
    if (this.#generation !== '') {
      this.#metrics.generationChanges?.inc();
      this.#logger?.warn(
        { prefix: this.#prefix, previous: this.#generation, generation: generation.id, degradedThroughDay: generation.degradedThroughDay },
        'feature store: Redis lost the feature state; events whose windows reach before the loss are marked features_degraded',
      );
    }
    this.#generation = generation.id;
  }

  /** Outcome per fraud label, in order. */
  async applyLabels(labels: readonly StoreLabel[]): Promise<LabelOutcome[]> {
    if (labels.length === 0) return [];
    await this.#ensureLayout();
    const call = encodeLabelBatch(labels, this.#prefix, this.#settings);
    const reply = await this.#run(APPLY_LABELS, call.keys, call.args);
    return decodeLabelReply(reply, labels);
  }

  #ensureLayout(): Promise<void> {
    this.#layoutReady ??= migrateLegacyLayout(this.#redis, this.#prefix, this.#settings).then(
      (r) => {
        if (r.scanned) this.#logger?.info({ prefix: this.#prefix, migrated: r.migrated, leftAlone: r.leftAlone }, 'feature store: entities of layout v1 converted');
      },
      (err: unknown) => {
        // Retriable whatever the cause: a failed migration is about the store, never about the records
        // of the batch that waited for it, so they must not be dead-lettered for it.
        this.#layoutReady = null;
        throw err instanceof AppError ? err : redisUnavailable('migrate-layout', err);
      },
    );
    return this.#layoutReady;
  }

  async #run(script: LuaScript, keys: readonly string[], args: readonly (string | number | Buffer)[], replies: 'string' | 'buffer' = 'string'): Promise<unknown> {
    const end = this.#metrics.redisRoundtrip.startTimer({ script: script.name });
    try {
      return await script.run(this.#redis, keys, args, replies);
    } catch (err) {
      throw storeError(script.name, err);
    } finally {
      end();
    }
  }
}
