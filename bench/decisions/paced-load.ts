/**
 * An open-loop load at a fixed rate: request i is due at start + i / rate, whatever the answers before
 * it, and its latency runs from that due time to the last byte of the answer. A slow answer therefore
 * cannot hold back the requests behind it (no coordinated omission), and a request the generator itself
 * sent late is charged its lateness too; how late the generator was is reported apart (sendLagMs).
 *
 * Why not autocannon's overallRate here: autocannon 9 limits a rate with a per-connection budget that
 * refills once a second (lib/httpClient.js), so each connection sends its whole second's share back to
 * back as soon as the second starts and then waits. 1,000/s becomes a burst of `connections` concurrent
 * requests at the top of every second, and the p99 measures that burst (it grows with the connection
 * count), not 1,000 arrivals a second. Its latency histogram also keeps whole milliseconds only.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { max, mean, quantileSorted } from 'simple-statistics';

export interface PacedLoadOptions {
  readonly url: string;
  readonly path: string;
  /** requests per second */
  readonly rate: number;
  readonly seconds: number;
  /** The next request body (a unique transaction each call). */
  readonly body: () => string;
  /** Connections the generator may open (keep-alive); more requests in flight wait for one. */
  readonly maxSockets: number;
  readonly timeoutMs: number;
}

export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

export interface PacedLoadResult {
  readonly offeredRate: number;
  readonly seconds: number;
  readonly sent: number;
  /** 2xx answers per second of the phase (due time of the first request to the last answer). */
  readonly achievedRate: number;
  readonly ok: number;
  readonly non2xx: number;
  /** Answers by HTTP status. */
  readonly statuses: Record<string, number>;
  readonly errors: number;
  /** Errors by code (ECONNRESET, ...; `timeout` for no answer within timeoutMs). */
  readonly errorCodes: Record<string, number>;
  /** ms from due time to the answer's last byte, 2xx answers only. */
  readonly latencyMs: LatencySummary;
  /** The same from the moment the generator sent the request: what the server and the network took. */
  readonly latencyFromSendMs: LatencySummary;
  /** ms the generator sent after the due time (its own scheduling delay; part of latencyMs). */
  readonly sendLagMs: { readonly p99: number; readonly max: number };
}

/** Milliseconds, three decimals: microsecond resolution is all the clock and the question need. */
const ms = (v: number): number => Math.round(v * 1000) / 1000;

export function summarise(latencies: number[]): LatencySummary {
  if (latencies.length === 0) return { p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN, mean: NaN };
  const sorted = Float64Array.from(latencies).sort();
  const values = Array.from(sorted);
  return {
    p50: ms(quantileSorted(values, 0.5)),
    p90: ms(quantileSorted(values, 0.9)),
    p99: ms(quantileSorted(values, 0.99)),
    p999: ms(quantileSorted(values, 0.999)),
    max: ms(max(values)),
    mean: ms(mean(values)),
  };
}

export async function pacedLoad(o: PacedLoadOptions): Promise<PacedLoadResult> {
  const target = new URL(o.url);
  const agent = new Agent({ keepAlive: true, maxSockets: o.maxSockets });
  const total = Math.round(o.rate * o.seconds);
  const intervalMs = 1000 / o.rate;
  const latencies: number[] = [];
  const fromSend: number[] = [];
  const lags: number[] = [];
  const statuses: Record<string, number> = {};
  const errorCodes: Record<string, number> = {};
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let lastAnswer = 0;

  const send = (dueAt: number): Promise<void> =>
    new Promise((resolve) => {
      const body = o.body();
      const sentAt = performance.now();
      lags.push(sentAt - dueAt);
      const req = request({
        agent,
        host: target.hostname,
        port: target.port,
        path: o.path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: o.timeoutMs,
      }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          lastAnswer = performance.now();
          const status = res.statusCode ?? 0;
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status >= 200 && status < 300) {
            ok++;
            latencies.push(lastAnswer - dueAt);
            fromSend.push(lastAnswer - sentAt);
          } else {
            non2xx++;
          }
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('no answer in time'), { code: 'timeout' })));
      req.on('error', (err: NodeJS.ErrnoException) => {
        const code = err.code ?? err.message;
        errorCodes[code] = (errorCodes[code] ?? 0) + 1;
        errors++;
        resolve();
      });
      req.end(body);
    });

  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  let next = 0;
  await new Promise<void>((done) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
      for (; next < due; next++) inFlight.push(send(start + next * intervalMs));
      if (next < total) setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
      else done();
    };
    tick();
  });
  await Promise.all(inFlight);
  agent.destroy();
  lags.sort((a, b) => a - b);
  return {
    offeredRate: o.rate,
    seconds: o.seconds,
    sent: total,
    achievedRate: Math.round(ok / ((lastAnswer - start) / 1000)),
    ok,
    non2xx,
    statuses,
    errors,
    errorCodes,
    latencyMs: summarise(latencies),
    latencyFromSendMs: summarise(fromSend),
    sendLagMs: { p99: ms(quantileSorted(lags, 0.99)), max: ms(lags.at(-1) ?? NaN) },
  };
}
