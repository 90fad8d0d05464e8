import type { Redis } from 'ioredis';
import { AppError, redisUnavailable } from '@riskstream/shared';
import { LuaScript } from './lua-script.ts';
import type { FeaturesMetrics } from './features-metrics.ts';
import {
  decodeEventReply,
  decodeLabelReply,
  encodeEventBatch,
  encodeLabelBatch,
  type LabelOutcome,
  type PreState,
  type StoreEvent,
  type StoreLabel,
  type StoreSettings,
} from './store-protocol.ts';

const APPLY_EVENTS = LuaScript.fromFiles('apply-events', ['bucket-cache.lua', 'apply-events.lua']);
const APPLY_LABELS = LuaScript.fromFiles('apply-labels', ['bucket-cache.lua', 'apply-labels.lua']);

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
 * The online feature store: Redis hashes of daily buckets per entity, read and updated by one script
 * call per micro-batch. The script makes a batch atomic (no other batch interleaves, a crash applies
 * all or nothing) and idempotent (an event seen before answers its stored pre-state and is not applied
 * again), which is what lets the runner retry or redeliver a batch freely: a timed-out call that still
 * ran on the server is indistinguishable, to the retry, from a redelivery.
 */
export class FeatureStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #settings: StoreSettings;
  readonly #metrics: FeaturesMetrics;

  constructor(redis: Redis, prefix: string, settings: StoreSettings, metrics: FeaturesMetrics) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#settings = settings;
    this.#metrics = metrics;
  }

  /** Pre-states in event order; records every event not marked late and not seen before. */
  async applyEvents(events: readonly StoreEvent[]): Promise<PreState[]> {
    if (events.length === 0) return [];
    const call = encodeEventBatch(events, this.#prefix, this.#settings);
    const reply = await this.#run(APPLY_EVENTS, call.keys, call.args);
    return decodeEventReply(reply, events);
  }

  /** Outcome per fraud label, in order. */
  async applyLabels(labels: readonly StoreLabel[]): Promise<LabelOutcome[]> {
    if (labels.length === 0) return [];
    const call = encodeLabelBatch(labels, this.#prefix, this.#settings);
    const reply = await this.#run(APPLY_LABELS, call.keys, call.args);
    return decodeLabelReply(reply, labels);
  }

  async #run(script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const end = this.#metrics.redisRoundtrip.startTimer({ script: script.name });
    try {
      return await script.run(this.#redis, keys, args);
    } catch (err) {
      throw storeError(script.name, err);
    } finally {
      end();
    }
  }
}
