import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Metric names some code declares: every prom-client `new Counter|Gauge|Histogram|Summary({ name: '...' })`
 * in the repository's TypeScript sources (histograms add _bucket/_sum/_count, summaries _sum/_count),
 * plus, in files that import prom-client, other `name: '...'` literals and snake_case string literals passed
 * first to a function (declaration helpers such as `gauge('drift_feature_psi', help)`).
 */

const SOURCE_DIRS = ['shared', 'services', 'training', 'cli'];
const NAME = /name:\s*(['"`])([a-zA-Z_:][\w:]*)\1/;

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch {
    return out;
  }
  for (const d of entries) {
    if (d.isFile() && d.name.endsWith('.ts') && !d.name.endsWith('.d.ts') && !d.parentPath.includes('node_modules')) out.push(join(d.parentPath, d.name));
  }
  return out;
}

export function declarationsIn(text: string): Map<string, string> {
  const found = new Map<string, string>();
  if (!/from\s+['"]prom-client['"]/.test(text)) return found;
  const parts = text.split(/(?=new\s+(?:Counter|Gauge|Histogram|Summary)\b)/);
  for (const part of parts) {
    const kind = /^new\s+(Counter|Gauge|Histogram|Summary)\b/.exec(part)?.[1];
    if (kind === undefined) continue;
    const name = NAME.exec(part)?.[2];
    if (name !== undefined) found.set(name, kind);
  }
  for (const m of text.matchAll(new RegExp(NAME, 'g'))) {
    const name = m[2]!;
    if (!found.has(name) && name.includes('_')) found.set(name, 'unknown');
  }
  // Declaration helpers called with the name first: gauge('drift_feature_psi', 'help').
  for (const m of text.matchAll(/\b\w+\(\s*(['"`])([a-z][a-z0-9]*_[a-z0-9_]+)\1\s*,/g)) {
    if (!found.has(m[2]!)) found.set(m[2]!, 'unknown');
  }
  return found;
}

export interface DeclaredMetrics {
  /** Declared series names, suffixes included. */
  readonly names: ReadonlySet<string>;
  /** name -> file that declares it. */
  readonly origin: ReadonlyMap<string, string>;
}

export function declaredMetrics(root: string): DeclaredMetrics {
  const names = new Set<string>();
  const origin = new Map<string, string>();
  for (const dir of SOURCE_DIRS) {
    for (const file of tsFiles(join(root, dir))) {
      for (const [name, kind] of declarationsIn(readFileSync(file, 'utf8'))) {
        const series = kind === 'Histogram' ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`] : kind === 'Summary' ? [name, `${name}_sum`, `${name}_count`] : [name];
        for (const s of series) {
          names.add(s);
          origin.set(s, file.slice(root.length + 1));
        }
      }
    }
  }
  return { names, origin };
}

/** Series Prometheus itself or every prom-client default collector provides. */
export function isWellKnown(name: string): boolean {
  return ['up', 'ALERTS', 'ALERTS_FOR_STATE', 'scrape_duration_seconds', 'scrape_samples_scraped'].includes(name) || /^(process|nodejs)_/.test(name);
}
