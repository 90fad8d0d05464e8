/**
 * What the decisions process says about a load phase, from its /metrics text: the difference between a
 * scrape before and one after. Histograms become their mean and the upper bound of the bucket holding a
 * quantile (an upper bound, at the buckets' resolution); counters become their increase.
 */

/** Samples of one scrape: `name{labels}` -> value. */
export type Scrape = ReadonlyMap<string, number>;

export async function scrape(url: string): Promise<Scrape> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

/** The sum of every series of a metric (all label values). */
export function total(s: Scrape, name: string): number {
  let sum = 0;
  for (const [key, value] of s) if (key === name || key.startsWith(`${name}{`)) sum += value;
  return sum;
}

export interface HistogramDelta {
  readonly count: number;
  readonly mean: number;
  /** Upper bound of the bucket that holds the quantile; Infinity past the last bucket. */
  readonly p50UpTo: number;
  readonly p99UpTo: number;
}

/** A histogram of one series (no labels of its own besides `le`) between two scrapes; `scale` converts its unit (1e3: s -> ms). */
export function histogramDelta(before: Scrape, after: Scrape, name: string, scale = 1): HistogramDelta {
  const buckets: Array<{ le: number; count: number }> = [];
  for (const [key, value] of after) {
    // The registry adds default labels (service), so `le` is one label among others.
    const m = /^(.+)_bucket\{(?:.*,)?le="([^"]+)"/.exec(key);
    if (m?.[1] !== name) continue;
    buckets.push({ le: m[2] === '+Inf' ? Infinity : Number(m[2]), count: value - (before.get(key) ?? 0) });
  }
  buckets.sort((a, b) => a.le - b.le);
  const count = total(after, `${name}_count`) - total(before, `${name}_count`);
  const sum = total(after, `${name}_sum`) - total(before, `${name}_sum`);
  const upTo = (q: number): number => {
    const rank = q * count;
    const bucket = buckets.find((b) => b.count >= rank);
    return bucket === undefined ? NaN : bucket.le * scale;
  };
  const round = (v: number): number => Math.round(v * 1000) / 1000;
  return { count, mean: count > 0 ? round((sum / count) * scale) : NaN, p50UpTo: upTo(0.5), p99UpTo: upTo(0.99) };
}
