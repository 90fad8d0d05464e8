import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLarge, jsonContentTypeRefusal, partitionForKey, readBody, sendJson, toAppError, TOPICS, type Logger, type OutputRecord, type RouteHandler } from '@riskstream/shared';
import type { CardTokenizer } from './card-token.ts';
import type { IngestMetrics } from './ingest-metrics.ts';
import { TransactionValidationError, validateTransaction, type ValidationRules } from './transaction-validation.ts';

/**
 * POST /transactions: the entrance for clients without a Kafka client. A JSON object or array of
 * objects; each record is validated with the stream's validator, the valid ones are produced to
 * transactions.raw.v1 (so the one consumer path does dedup, tokenisation and the rest), and the answer
 * says which records were refused:
 *
 *   202 { accepted, rejected: [{ index, reason, issues }] }   valid records are durably in raw (acks=all)
 *   400 malformed JSON, or not an object/array                413 body or record count over the limit
 *   415 a content-type other than application/json (no header is read as JSON)
 *   429 too much in flight (Retry-After)                      503 Kafka unavailable or shutting down
 *
 * Raw records produced here are keyed by card token, so the key does not repeat the PAN, and go to the
 * partition a Kafka producer keying by card number would pick: one card, one raw partition, whichever
 * way it enters (the fused topology keeps a card's order and state with its raw partition).
 *
 * Nothing from the body is ever echoed or logged: it carries card numbers.
 */

export interface TransactionEndpointOptions {
  readonly maxBodyBytes: number;
  readonly maxRecords: number;
  /** Requests past this many in flight get 429. */
  readonly maxInFlightRequests: number;
  /** A request whose records would push the in-flight total past this gets 429. */
  readonly maxInFlightRecords: number;
  readonly retryAfterSeconds: number;
  readonly rules: ValidationRules;
  readonly tokenizer: CardTokenizer;
  readonly now: () => number;
  /** Writes records to Kafka and resolves when they are acknowledged. */
  readonly publish: (records: readonly OutputRecord[]) => Promise<void>;
  readonly metrics: IngestMetrics;
  readonly logger: Logger;
}

export interface TransactionEndpoint {
  readonly handle: RouteHandler;
  /** Refuses new requests (503) and resolves once the in-flight ones are answered. */
  drain(): Promise<void>;
}

export interface RecordRejection {
  readonly index: number;
  readonly reason: string;
  readonly issues: readonly { path: string; problem: string }[];
}


export function createTransactionEndpoint(o: TransactionEndpointOptions): TransactionEndpoint {
  const log = o.logger.child({ component: 'transaction-endpoint' });
  let requests = 0;
  let records = 0;
  let draining = false;
  const idleWaiters: Array<() => void> = [];

  function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    o.metrics.httpRequests.inc({ status: String(status) });
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    sendJson(res, status, body);
  }

  /**
   * Answers before the body was read: the connection is closed after the answer, so the unread body is
   * dropped with it instead of being read for nothing (or parsed as the next request).
   */
  function refuseEarly(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    answer(res, status, body, { ...headers, connection: 'close' });
    req.resume();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const retryAfter = { 'retry-after': String(o.retryAfterSeconds) };
    if (draining) return refuseEarly(req, res, 503, { error: 'SHUTTING_DOWN' }, retryAfter);
    if (requests >= o.maxInFlightRequests) {
      return refuseEarly(req, res, 429, { error: 'TOO_MANY_REQUESTS', message: `more than ${o.maxInFlightRequests} requests in flight` }, retryAfter);
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > o.maxBodyBytes) {
      return refuseEarly(req, res, 413, { error: 'BODY_TOO_LARGE', maxBytes: o.maxBodyBytes });
    }
    const wrongType = jsonContentTypeRefusal(req.headers['content-type']);
    if (wrongType) return refuseEarly(req, res, 415, { error: 'UNSUPPORTED_MEDIA_TYPE', message: wrongType });
    requests++;
    o.metrics.httpInFlightRequests.inc();
    let held = 0;
    try {
      let body: Buffer;
      try {
        body = await readBody(req, o.maxBodyBytes);
      } catch (err) {
        if (err instanceof BodyTooLarge) return refuseEarly(req, res, 413, { error: 'BODY_TOO_LARGE', maxBytes: o.maxBodyBytes });
        throw err;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        // Not the parser's message: V8 quotes the input in it, and the input holds card numbers.
        return answer(res, 400, { error: 'MALFORMED_JSON', message: 'body is not valid JSON' });
      }
      if (typeof parsed !== 'object' || parsed === null) {
        return answer(res, 400, { error: 'NOT_A_RECORD', message: 'body must be a JSON object or an array of objects' });
      }
      const items: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
      if (items.length > o.maxRecords) return answer(res, 413, { error: 'TOO_MANY_RECORDS', maxRecords: o.maxRecords });
      if (records + items.length > o.maxInFlightRecords) {
        return answer(res, 429, { error: 'TOO_MANY_RECORDS_IN_FLIGHT', message: `more than ${o.maxInFlightRecords} records in flight` }, retryAfter);
      }
      held = items.length;
      records += held;
      o.metrics.httpInFlightRecords.inc(held);

      const now = o.now();
      const accepted: OutputRecord[] = [];
      const rejected: RecordRejection[] = [];
      for (const [index, item] of items.entries()) {
        try {
          const tx = validateTransaction(item, o.rules, now);
          accepted.push({
            topic: 'transactionsRaw',
            key: o.tokenizer.tokenize(tx.card_number).card_token,
            partition: partitionForKey(tx.card_number, TOPICS.transactionsRaw.partitions),
            value: { ...tx },
          });
        } catch (err) {
          if (!(err instanceof TransactionValidationError)) throw err;
          rejected.push({ index, reason: err.reason, issues: err.issues });
          o.metrics.rejections.inc({ source: 'http', reason: err.reason });
        }
      }
      try {
        await o.publish(accepted);
      } catch (err) {
        const e = toAppError(err);
        log.error({ err: e, code: e.code, records: accepted.length }, 'producing submitted transactions failed');
        return answer(res, e.retriable ? 503 : 500, { error: e.retriable ? 'UNAVAILABLE' : 'INTERNAL', message: 'transactions were not accepted; retry later' }, e.retriable ? retryAfter : {});
      }
      o.metrics.httpRecords.inc({ outcome: 'accepted' }, accepted.length);
      o.metrics.httpRecords.inc({ outcome: 'rejected' }, rejected.length);
      answer(res, 202, { accepted: accepted.length, rejected });
    } finally {
      records -= held;
      o.metrics.httpInFlightRecords.dec(held);
      requests--;
      o.metrics.httpInFlightRequests.dec();
      if (requests === 0) for (const wake of idleWaiters.splice(0)) wake();
    }
  }

  return {
    handle,
    drain() {
      draining = true;
      if (requests === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
