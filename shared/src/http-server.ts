import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.ts';

export type ReadinessCheck = () => Promise<{ ready: boolean; detail?: Record<string, unknown> }>;

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface HttpServerOptions {
  registry: Registry;
  /** /readyz answers 200 only when every check is ready. */
  readiness?: Record<string, ReadinessCheck>;
  /**
   * Extra routes, the service's own API: "POST /transactions" matches that path exactly; a key ending in
   * "/*" ("POST /v2/*") matches every path under it (the longest such prefix wins).
   */
  routes?: Record<string, RouteHandler>;
  logger?: Logger;
  /** Node's defaults give a client 60 s for its headers and 300 s for its request. */
  timeouts?: { readonly headersMs: number; readonly requestMs: number };
}

/** How often Node looks for connections past their timeouts (its default, 30 s, would let them overstay). */
const TIMEOUT_CHECK_MS = 250;

/**
 * Builds (does not listen) the HTTP server every service exposes: /metrics, /healthz (the process is
 * alive and its event loop answers), /readyz (dependencies and consumer are ready).
 */
export function createHttpServer(options: HttpServerOptions): Server {
  const routes: Record<string, RouteHandler> = {
    'GET /metrics': async (_req, res) => {
      const body = await options.registry.metrics();
      res.writeHead(200, { 'content-type': options.registry.contentType });
      res.end(body);
    },
    'GET /healthz': (_req, res) => sendJson(res, 200, { status: 'ok' }),
    'GET /readyz': async (_req, res) => {
      const results: Record<string, unknown> = {};
      let ready = true;
      for (const [name, check] of Object.entries(options.readiness ?? {})) {
        try {
          const r = await check();
          results[name] = r.detail ? { ready: r.ready, ...r.detail } : { ready: r.ready };
          ready &&= r.ready;
        } catch (err) {
          results[name] = { ready: false, error: (err as Error).message };
          ready = false;
        }
      }
      sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks: results });
    },
    ...options.routes,
  };
  const timeouts = options.timeouts
    ? { headersTimeout: options.timeouts.headersMs, requestTimeout: options.timeouts.requestMs, connectionsCheckingInterval: TIMEOUT_CHECK_MS }
    : {};
  return createServer(timeouts, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = routes[`${req.method} ${path}`] ?? prefixRoute(routes, `${req.method} ${path}`);
    if (!route) {
      sendJson(res, 404, { error: 'NOT_FOUND', message: `no route ${req.method} ${path}` });
      return;
    }
    Promise.resolve(route(req, res)).catch((err: unknown) => {
      // A client cut off by the request timeout (408, written by Node) or gone by itself fails the body read:
      // nobody is left to answer, and a slowloris flood must not read as a flood of server errors.
      if (req.destroyed && !res.headersSent) {
        options.logger?.debug({ code: (err as { code?: string }).code, path }, 'client went away before its request was read');
        return;
      }
      options.logger?.error({ err, code: (err as { code?: string }).code }, 'http route failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'INTERNAL', message: 'internal error' });
      else res.end();
    });
  });
}

function prefixRoute(routes: Record<string, RouteHandler>, target: string): RouteHandler | undefined {
  let best: string | undefined;
  for (const key of Object.keys(routes)) {
    if (!key.endsWith('/*')) continue;
    const prefix = key.slice(0, -1);
    if (target.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? undefined : routes[`${best}*`];
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function listen(server: Server, port: number, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}
