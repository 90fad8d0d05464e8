/**
 * The most a server answers: autocannon, unthrottled, with a fixed number of connections each sending its
 * next request as soon as the previous answer arrives (closed loop), for a fixed time. The rate is the 2xx
 * answers per second; with `connections` requests always in flight, the latency stays bounded near
 * connections / rate (Little's law) rather than growing as an overloaded open-loop queue would, and any
 * error or non-2xx answer is reported (a rate that needs them is not sustained).
 *
 * Latencies are taken from each answer's exact time (the client's `response` event); autocannon's own
 * histogram keeps whole milliseconds and is reported only as its p99, for reference.
 */
import autocannon from 'autocannon';
import { summarise, type LatencySummary } from './paced-load.ts';

export interface SaturationOptions {
  readonly url: string;
  readonly path: string;
  readonly connections: number;
  readonly seconds: number;
  readonly body: () => string;
  readonly timeoutSeconds: number;
}

export interface SaturationResult {
  readonly connections: number;
  readonly seconds: number;
  /** 2xx answers per second */
  readonly rate: number;
  readonly ok: number;
  readonly non2xx: number;
  /** Answers by HTTP status. */
  readonly statuses: Record<string, number>;
  readonly errors: number;
  readonly timeouts: number;
  readonly latencyMs: LatencySummary;
  readonly autocannonP99Ms: number;
}

export async function saturationLoad(o: SaturationOptions): Promise<SaturationResult> {
  const latencies: number[] = [];
  const result = await autocannon({
    url: o.url,
    connections: o.connections,
    duration: o.seconds,
    timeout: o.timeoutSeconds,
    requests: [{
      method: 'POST',
      path: o.path,
      headers: { 'content-type': 'application/json' },
      setupRequest: (req) => ({ ...req, body: o.body() }),
    }],
    setupClient: (client) => {
      client.on('response', (status, _bytes, responseTime) => {
        if (status >= 200 && status < 300) latencies.push(responseTime);
      });
    },
  });
  return {
    connections: o.connections,
    seconds: result.duration,
    rate: Math.round(result['2xx'] / result.duration),
    ok: result['2xx'],
    non2xx: result.non2xx,
    statuses: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0])),
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: summarise(latencies),
    autocannonP99Ms: result.latency.p99,
  };
}
