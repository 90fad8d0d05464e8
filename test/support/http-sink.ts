import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP server that records every request and answers it like the service it stands in for would
 * (Slack's incoming webhook answers "ok", PagerDuty's Events API v2 202 with a dedup key, a generic
 * webhook 200): the fake for Alertmanager's HTTP receivers. One sink serves them all, told apart by path.
 */
export interface SinkRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  json<T = unknown>(): T;
}

export interface HttpSink {
  readonly url: string;
  readonly requests: readonly SinkRequest[];
  /** Requests to `path` so far. */
  on(path: string): SinkRequest[];
  /** Resolves once `path` has `count` requests (or rejects after timeoutMs, naming what did arrive). */
  waitFor(path: string, count: number, timeoutMs?: number): Promise<SinkRequest[]>;
  close(): Promise<void>;
}

type Answer = { status: number; body: string; contentType: string };

function answerFor(path: string, body: string): Answer {
  if (path.includes('/v2/enqueue')) {
    const key = (JSON.parse(body) as { dedup_key?: string }).dedup_key ?? 'sink';
    return { status: 202, body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: key }), contentType: 'application/json' };
  }
  if (path.includes('/slack')) return { status: 200, body: 'ok', contentType: 'text/plain' };
  return { status: 200, body: '{}', contentType: 'application/json' };
}

export async function startHttpSink(): Promise<HttpSink> {
  const requests: SinkRequest[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      requests.push({ method: req.method ?? '', path, headers: req.headers, body, json: <T>() => JSON.parse(body) as T });
      const a = answerFor(path, body);
      res.writeHead(a.status, { 'content-type': a.contentType }).end(a.body);
      for (const w of waiters) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const on = (path: string) => requests.filter((r) => r.path === path);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on,
    waitFor(path, count, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (on(path).length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(on(path));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${path}: ${on(path).length} of ${count} requests within ${timeoutMs} ms (paths seen: ${requests.map((r) => r.path).join(', ') || 'none'})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
