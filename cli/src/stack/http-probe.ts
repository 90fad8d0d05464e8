import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { Health } from './process-supervisor.ts';

/**
 * GET `url` and call it healthy on a 2xx. Plain node:http with no keep-alive agent rather than fetch, so a
 * probe never leaves a pooled socket that keeps `stack status` alive after it has printed.
 */
export function probeHttp(url: string, options: { timeoutMs?: number; headers?: Record<string, string> } = {}): Promise<Health> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const get = url.startsWith('https:') ? httpsGet : httpGet;
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: timeoutMs, headers: options.headers ?? {} }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve({ healthy: status >= 200 && status < 300, detail: `GET ${url} -> ${status}` });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ healthy: false, detail: `GET ${url}: ${err.code ?? err.message}` }));
  });
}

/** Every probe must pass; the detail of the first failure (or of the last success) is kept. */
export async function allHealthy(probes: readonly Promise<Health>[]): Promise<Health> {
  const results = await Promise.all(probes);
  return results.find((r) => !r.healthy) ?? results.at(-1) ?? { healthy: true, detail: 'no probes' };
}

/** Basic-auth header for registries that need it; empty when no user is configured. */
export function basicAuth(username: string | undefined, password: string | undefined): Record<string, string> {
  if (username === undefined) return {};
  return { authorization: `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}` };
}
