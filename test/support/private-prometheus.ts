import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { freePort } from './child-service.ts';
import { startReadyBinary } from './ready-binary.ts';

/**
 * A private Debian `prometheus` for tests that need real series under rules the shared stack has not
 * loaded yet: its own directory and port, the given rule files, a 1 s scrape and evaluation interval,
 * and job="riskstream" scraping the given targets (as `riskstream services up` registers processes). The
 * stack's instance on 9090 is never touched. Killed on stop and when the test process exits.
 */
export const PROMETHEUS_BIN = '/usr/bin/prometheus';

export interface PrivatePrometheus {
  readonly url: string;
  /** Instant query; the result vector (throws on a query error). */
  query(expr: string, time?: number): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  log(): string;
  stop(): Promise<void>;
}

export async function startPrivatePrometheus(o: { ruleFiles: readonly string[]; targets: readonly string[] }): Promise<PrivatePrometheus> {
  const root = mkdtempSync(join(tmpdir(), 'riskstream-prom-'));
  const rulesDir = join(root, 'rules');
  mkdirSync(rulesDir);
  for (const f of o.ruleFiles) copyFileSync(f, join(rulesDir, basename(f)));
  const configPath = join(root, 'prometheus.yml');
  writeFileSync(
    configPath,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      `  - '${rulesDir}/*.yml'`,
      'scrape_configs:',
      '  - job_name: riskstream',
      '    static_configs:',
      `      - targets: [${o.targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const binary = await startReadyBinary('Prometheus', PROMETHEUS_BIN, [`--config.file=${configPath}`, `--storage.tsdb.path=${join(root, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { cwd: root, url, root });
  return {
    url,
    async query(expr, time) {
      const body = new URLSearchParams({ query: expr, ...(time === undefined ? {} : { time: String(time) }) });
      const res = await fetch(`${url}/api/v1/query`, { method: 'POST', body, signal: AbortSignal.timeout(10_000) });
      const doc = (await res.json()) as { status: string; error?: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (doc.status !== 'success') throw new Error(`${expr}: ${doc.error}`);
      return doc.data!.result;
    },
    log: binary.log,
    stop: binary.stop,
  };
}
