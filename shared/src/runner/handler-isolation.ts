import type { TopicMessages } from 'kafkajs';
import { toAppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { encodeRecords } from '../producer.ts';
import type { TopicCodec } from '../schema-registry.ts';
import { checkOutputSizes } from './dead-letter.ts';
import { withRetry, type RetryPolicy } from './retry.ts';
import type { BatchHandler, HandlerContext, InputMessage, Rejection } from './runner-types.ts';

export interface Handled {
  readonly outputs: TopicMessages[];
  readonly rejected: Rejection<unknown>[];
}

export interface IsolationOptions<T> {
  readonly handler: BatchHandler<T>;
  readonly codec: TopicCodec;
  readonly maxOutputBytes: number;
  readonly retry: RetryPolicy;
  readonly log: Logger;
}

/**
 * Runs the handler on a micro-batch and encodes its outputs. Retriable failures are retried; a
 * non-retriable one is retried record by record so one poison record cannot sink its neighbours.
 * Encoding and the output size check are inside that scope on purpose: an output that does not fit its
 * schema, or that the broker would refuse as too large, dead-letters its input record instead of
 * crash-looping the partition.
 */
export async function handleIsolated<T>(options: IsolationOptions<T>, messages: InputMessage<T>[], ctx: HandlerContext): Promise<Handled> {
  if (messages.length === 0) return { outputs: [], rejected: [] };
  try {
    return await withRetry(options.retry, 'handler', ctx.heartbeat, async () => {
      const result = await options.handler(messages, ctx);
      const outputs = await encodeRecords(options.codec, result.outputs);
      checkOutputSizes(outputs, options.maxOutputBytes);
      return { outputs, rejected: [...(result.rejected ?? [])] };
    });
  } catch (err) {
    const e = toAppError(err);
    if (e.code === 'SHUTDOWN') throw e;
    if (messages.length === 1) return { outputs: [], rejected: [{ message: messages[0]!, error: e }] };
    options.log.warn({ err: e, code: e.code, size: messages.length }, 'handler failed on a batch; isolating records');
    return isolate(options, messages, ctx);
  }
}

async function isolate<T>(options: IsolationOptions<T>, messages: InputMessage<T>[], ctx: HandlerContext): Promise<Handled> {
  const outputs: TopicMessages[] = [];
  const rejected: Rejection<unknown>[] = [];
  for (const m of messages) {
    const r = await handleIsolated(options, [m], ctx);
    outputs.push(...r.outputs);
    rejected.push(...r.rejected);
  }
  return { outputs, rejected };
}
