import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLarge, jsonContentTypeRefusal, readBody, sendJson, toAppError, ValidationError, type Logger, type RouteHandler } from '@riskstream/shared';
import type { AlertIntake } from './alert-intake.ts';
import type { AlertReceiverMetrics } from './alert-receiver-metrics.ts';
import { WebhookAuthError, type WebhookAuthenticator } from './webhook-auth.ts';
import { parseNotification, type AlertNotification } from './webhook-payload.ts';

/**
 * POST /alerts/alertmanager and POST /alerts/grafana. Answers, in the order they are checked:
 *
 *   503 shutting down (Retry-After)          401 bad or missing credentials (checked before the body
 *   413 body over the limit                      is read where the headers suffice)
 *   415 a content-type other than application/json (none is read as JSON)
 *   400 not JSON, or not a notification (every problem listed by JSON path)
 *   202 at least one RetrainRequested was published and acknowledged by Kafka
 *   200 nothing to publish: resolved, action none, duplicates, cooldown
 *   503 Redis or Kafka unavailable, or another replica is publishing one of the alerts right now
 *       (Retry-After): Alertmanager and Grafana retry 5xx, and the retry finds the markers released
 *   500 an unexpected failure
 *
 * Error bodies are { error, message, ... } with a stable `error` code; they never echo credentials or
 * the body. Alertmanager's and Grafana's own retries make 503 the safe answer whenever in doubt.
 */

export interface AlertEndpointOptions {
  readonly authenticator: WebhookAuthenticator;
  readonly intake: AlertIntake;
  readonly maxBodyBytes: number;
  readonly retryAfterSeconds: number;
  readonly metrics: AlertReceiverMetrics;
  readonly logger: Logger;
}

export interface AlertEndpoint {
  readonly handle: RouteHandler;
  /** Refuses new requests (503) and resolves once the in-flight ones are answered. */
  drain(): Promise<void>;
}

type RequestOutcome = 'published' | 'acknowledged' | 'unauthorized' | 'body_too_large' | 'unsupported_media_type' | 'invalid' | 'unavailable' | 'error';

export function createAlertEndpoint(o: AlertEndpointOptions): AlertEndpoint {
  const source = o.authenticator.source;
  const log = o.logger.child({ component: 'alert-endpoint', source });
  let inFlight = 0;
  let draining = false;
  const idleWaiters: Array<() => void> = [];
  const retryAfter = { 'retry-after': String(o.retryAfterSeconds) };

  function answer(res: ServerResponse, outcome: RequestOutcome, status: number, body: unknown, headers: Record<string, string> = {}): void {
    o.metrics.requests.inc({ source, outcome });
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    sendJson(res, status, body);
  }

  /** Before the body was read: close the connection so the unread body is dropped with it. */
  function refuseEarly(req: IncomingMessage, res: ServerResponse, outcome: RequestOutcome, status: number, body: unknown, headers: Record<string, string> = {}): void {
    answer(res, outcome, status, body, { ...headers, connection: 'close' });
    req.resume();
  }

  function unauthorized(err: WebhookAuthError): { status: number; body: unknown; headers: Record<string, string> } {
    o.metrics.authFailures.inc({ source, reason: err.reason });
    log.warn({ code: err.code, reason: err.reason }, 'webhook request refused');
    return {
      status: 401,
      body: { error: 'UNAUTHORIZED', reason: err.reason, message: err.message },
      headers: source === 'alertmanager' ? { 'www-authenticate': 'Bearer realm="riskstream-alert-receiver"' } : {},
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await handleRequest(req, res);
    } catch (err) {
      const e = toAppError(err);
      log.error({ err: e, code: e.code }, 'webhook request failed');
      if (!res.headersSent) answer(res, 'error', 500, { error: 'INTERNAL', message: 'internal error' });
      else res.end();
    }
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (draining) return refuseEarly(req, res, 'unavailable', 503, { error: 'SHUTTING_DOWN', message: 'the receiver is shutting down; retry' }, retryAfter);
    try {
      o.authenticator.precheck(req.headers);
    } catch (err) {
      if (!(err instanceof WebhookAuthError)) throw err;
      const u = unauthorized(err);
      return refuseEarly(req, res, 'unauthorized', u.status, u.body, u.headers);
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > o.maxBodyBytes) {
      return refuseEarly(req, res, 'body_too_large', 413, { error: 'BODY_TOO_LARGE', message: `body exceeds ${o.maxBodyBytes} bytes`, maxBytes: o.maxBodyBytes });
    }
    const wrongType = jsonContentTypeRefusal(req.headers['content-type']);
    if (wrongType) return refuseEarly(req, res, 'unsupported_media_type', 415, { error: 'UNSUPPORTED_MEDIA_TYPE', message: wrongType });
    inFlight++;
    try {
      let body: Buffer;
      try {
        body = await readBody(req, o.maxBodyBytes);
      } catch (err) {
        if (err instanceof BodyTooLarge) {
          return refuseEarly(req, res, 'body_too_large', 413, { error: 'BODY_TOO_LARGE', message: `body exceeds ${o.maxBodyBytes} bytes`, maxBytes: o.maxBodyBytes });
        }
        throw err;
      }
      let keyId: string;
      try {
        keyId = o.authenticator.verify(req.headers, body);
      } catch (err) {
        if (!(err instanceof WebhookAuthError)) throw err;
        const u = unauthorized(err);
        return answer(res, 'unauthorized', u.status, u.body, u.headers);
      }
      o.metrics.authenticated.inc({ source, key: keyId });

      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return answer(res, 'invalid', 400, { error: 'MALFORMED_JSON', message: 'body is not valid JSON' });
      }
      let notification: AlertNotification;
      try {
        notification = parseNotification(source, parsed);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return answer(res, 'invalid', 400, { error: err.reason, message: `not a ${source} webhook notification`, issues: err.issues });
      }

      const { results, failure } = await o.intake.process(notification);
      const published = results.filter((r) => r.outcome === 'published').length;
      const inProgress = results.some((r) => r.outcome === 'in_progress');
      const summary = { published, results };
      if (failure && !failure.retriable) {
        return answer(res, 'error', 500, { error: 'INTERNAL', message: 'an alert could not be processed', ...summary });
      }
      if (failure || inProgress) {
        return answer(
          res,
          'unavailable',
          503,
          { error: 'UNAVAILABLE', message: failure ? `${failure.code}: alerts were not all processed; retry` : 'another request is publishing one of these alerts; retry', ...summary },
          retryAfter,
        );
      }
      return answer(res, published > 0 ? 'published' : 'acknowledged', published > 0 ? 202 : 200, summary);
    } finally {
      inFlight--;
      if (inFlight === 0) for (const wake of idleWaiters.splice(0)) wake();
    }
  }

  return {
    handle,
    drain() {
      draining = true;
      if (inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
