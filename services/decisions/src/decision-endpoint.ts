import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLarge, jsonContentTypeRefusal, readBody, sendJson, type Logger, type RouteHandler } from '@riskstream/shared';
import { TransactionValidationError, validateTransaction, type ValidationRules } from '@riskstream/ingest';
import type { DecisionOutcome } from './decision-pipeline.ts';
import type { DecisionQueue } from './decision-queue.ts';
import type { DecisionsMetrics } from './decisions-metrics.ts';

/**
 * POST /v1/decisions: one transaction in the transactions.raw.v1 shape (JSON), answered with its decision.
 *
 *   200 { transaction_id, card_token, card_last4, score, decision, reasons, model_name, model_version,
 *         challenger_score, experiment, experiment_arm,
 *         features_degraded, latency_ms }                    decided and recorded (or a retry of one)
 *   400 malformed JSON, not one object, or invalid (reason and issues, as ingest refuses it)
 *   401 missing or wrong bearer key (api-keys.ts)   409 the transaction_id was first seen on the stream
 *   413 body over the limit   415 a content-type other than application/json (none is read as JSON)
 *   429 too many in flight (Retry-After)
 *   503 Redis (fail-closed), Kafka or the model unavailable, or shutting down (Retry-After): NO decision
 *
 * Nothing from the body is ever echoed or logged: it carries a card number.
 */
export interface DecisionEndpointOptions {
  readonly maxBodyBytes: number;
  readonly maxInFlight: number;
  readonly retryAfterSeconds: number;
  readonly rules: ValidationRules;
  readonly queue: DecisionQueue;
  readonly metrics: DecisionsMetrics;
  readonly logger: Logger;
  readonly now: () => number;
}

export interface DecisionEndpoint {
  readonly handle: RouteHandler;
  /** Refuses new requests (503) and resolves once the in-flight ones are answered. */
  drain(): Promise<void>;
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

export function createDecisionEndpoint(o: DecisionEndpointOptions): DecisionEndpoint {
  const retryAfter = { 'retry-after': String(o.retryAfterSeconds) };
  let inFlight = 0;
  let draining = false;
  const idle: Array<() => void> = [];

  function reply(res: ServerResponse, r: Reply, started?: bigint): void {
    o.metrics.requests.inc({ status: String(r.status) });
    if (started !== undefined) o.metrics.duration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    for (const [k, v] of Object.entries(r.headers ?? {})) res.setHeader(k, v);
    sendJson(res, r.status, r.body);
  }

  /** Answers before the body was read; closing the connection drops the unread body with it. */
  function refuseEarly(req: IncomingMessage, res: ServerResponse, r: Reply): void {
    reply(res, { ...r, headers: { ...r.headers, connection: 'close' } });
    req.resume();
  }

  async function decide(req: IncomingMessage): Promise<Reply> {
    let body: Buffer;
    try {
      body = await readBody(req, o.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) return { status: 413, body: { error: 'BODY_TOO_LARGE', maxBytes: o.maxBodyBytes }, headers: { connection: 'close' } };
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      // Not the parser's message: V8 quotes the input in it, and the input holds a card number.
      return { status: 400, body: { error: 'MALFORMED_JSON', message: 'body is not valid JSON' } };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { status: 400, body: { error: 'NOT_A_RECORD', message: 'body must be one JSON object (a transaction)' } };
    }
    try {
      const tx = validateTransaction(parsed, o.rules, o.now());
      return toReply(await o.queue.decide(tx));
    } catch (err) {
      if (!(err instanceof TransactionValidationError)) throw err;
      return { status: 400, body: { error: 'VALIDATION_FAILED', reason: err.reason, issues: err.issues } };
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (draining) return refuseEarly(req, res, { status: 503, body: { error: 'SHUTTING_DOWN' }, headers: retryAfter });
    if (inFlight >= o.maxInFlight) {
      return refuseEarly(req, res, { status: 429, body: { error: 'TOO_MANY_REQUESTS', message: `more than ${o.maxInFlight} requests in flight` }, headers: retryAfter });
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > o.maxBodyBytes) return refuseEarly(req, res, { status: 413, body: { error: 'BODY_TOO_LARGE', maxBytes: o.maxBodyBytes } });
    const wrongType = jsonContentTypeRefusal(req.headers['content-type']);
    if (wrongType) return refuseEarly(req, res, { status: 415, body: { error: 'UNSUPPORTED_MEDIA_TYPE', message: wrongType } });
    const started = process.hrtime.bigint();
    inFlight++;
    o.metrics.inFlight.inc();
    try {
      const r = await decide(req);
      if (r.status === 200) (r.body as { latency_ms: number }).latency_ms = Number(process.hrtime.bigint() - started) / 1e6;
      reply(res, r, started);
    } finally {
      inFlight--;
      o.metrics.inFlight.dec();
      if (inFlight === 0) for (const wake of idle.splice(0)) wake();
    }
  }

  function toReply(outcome: DecisionOutcome): Reply {
    switch (outcome.kind) {
      case 'decided':
        o.metrics.decisions.inc({ decision: outcome.answer.decision });
        if (outcome.replayed) o.metrics.replayed.inc();
        return { status: 200, body: { ...outcome.answer, latency_ms: 0 } };
      case 'duplicate':
        return { status: 409, body: { error: 'DUPLICATE_TRANSACTION', message: 'this transaction_id was already submitted on the stream; its decision is on transactions.scored.v1' } };
      case 'failed':
        if (outcome.error.retriable) return { status: 503, body: { error: 'UNAVAILABLE', message: `${outcome.error.message}; no decision was given` }, headers: retryAfter };
        return { status: 500, body: { error: 'INTERNAL', message: 'the decision failed; no decision was given' } };
    }
  }

  return {
    handle,
    drain() {
      draining = true;
      if (inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
  };
}
