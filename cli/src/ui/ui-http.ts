/**
 * What every UI route shares: typed errors to status codes (JSON for the API, a readable page for
 * HTML routes), query parameters, small JSON bodies, and the write guard of promote and rollback.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, BodyTooLarge, UsageError, jsonContentTypeRefusal, readBody, sendJson, type BearerKeys, type Logger, type RouteHandler } from '@riskstream/shared';
import { escapeHtml } from '@riskstream/training';

const STATUS_BY_CODE: Partial<Record<AppError['code'], number>> = {
  USAGE: 400,
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  MODEL_INVALID: 422,
  DEPENDENCY_UNAVAILABLE: 503,
  UNAUTHORIZED: 401,
};

const MAX_BODY_BYTES = 16 * 1024;

/** An AppError's HTTP status; anything else is a 500. */
export function statusOf(err: unknown): number {
  return err instanceof AppError ? (STATUS_BY_CODE[err.code] ?? 500) : 500;
}

/** A JSON route whose typed errors answer with their status and message; only surprises are logged. */
export function jsonRoute(logger: Logger, route: RouteHandler): RouteHandler {
  return async (req, res) => {
    try {
      await route(req, res);
    } catch (err) {
      const status = statusOf(err);
      if (status === 500) logger.error({ err, code: (err as { code?: string }).code }, 'ui route failed');
      if (res.headersSent) return void res.end();
      sendJson(res, status, status === 500 ? { error: 'INTERNAL', message: 'internal error' } : { error: (err as AppError).code, message: (err as Error).message });
    }
  };
}

/** An HTML route whose typed errors become a short page saying what went wrong (never a stack). */
export function htmlRoute(logger: Logger, route: RouteHandler): RouteHandler {
  return async (req, res) => {
    try {
      await route(req, res);
    } catch (err) {
      const status = statusOf(err);
      if (status === 500) logger.error({ err, code: (err as { code?: string }).code }, 'ui page failed');
      if (res.headersSent) return void res.end();
      const message = status === 500 ? 'internal error (see the ui log)' : (err as Error).message;
      sendHtml(res, status, errorPage(status, message));
    }
  };
}

/** Pages the UI did not write (training and drift reports): styles and inline images, never scripts. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

export function sendHtml(res: ServerResponse, status: number, html: string, csp = REPORT_CSP): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
  });
  res.end(html);
}

export function errorPage(status: number, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error ${status}</title>` +
    '<style>body{font:15px system-ui,sans-serif;margin:2rem;max-width:50rem}.error{border-left:4px solid #b00;padding:.5rem 1rem;background:#fdf2f2}</style>' +
    `</head><body><h1>Error ${status}</h1><p class="error">${escapeHtml(message)}</p></body></html>`;
}

export function queryOf(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://ui.invalid').searchParams;
}

/** The path segments after `prefix` ('/api/runs/'), each URI-decoded (an undecodable one becomes NUL); none when the path does not start so. */
export function segmentsAfter(req: IncomingMessage, prefix: string): string[] {
  const path = (req.url ?? '/').split('?')[0]!;
  if (!path.startsWith(prefix)) return [];
  return path.slice(prefix.length).split('/').filter((s) => s !== '').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return '\u0000';
    }
  });
}

/** A small JSON object body; an empty body is {}. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const refusal = jsonContentTypeRefusal(req.headers['content-type']);
  if (refusal) throw new UsageError(refusal);
  let body: Buffer;
  try {
    body = await readBody(req, MAX_BODY_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLarge) throw new UsageError(err.message);
    throw err;
  }
  if (body.length === 0) return {};
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new UsageError('the body is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UsageError('the body must be a JSON object');
  return json as Record<string, unknown>;
}

/**
 * Writes need a key: with no UI_API_KEYS the UI is read-only (403), with keys a request without a valid
 * bearer key is refused (401). The body of a refused request is not read.
 */
export function requireWriteKey(keys: BearerKeys, route: RouteHandler): RouteHandler {
  return (req, res) => {
    if (!keys.configured) {
      sendJson(res, 403, { error: 'READ_ONLY', message: 'this UI is read-only: start it with UI_API_KEYS to allow promote and rollback' });
      req.resume();
      return;
    }
    const match = keys.match(req.headers);
    if (match.ok) return route(req, res);
    res.setHeader('www-authenticate', 'Bearer realm="riskstream-ui"');
    sendJson(res, 401, { error: 'UNAUTHORIZED', reason: match.reason, message: 'promote and rollback need a valid API key (Authorization: Bearer <secret>)' });
    req.resume();
  };
}
