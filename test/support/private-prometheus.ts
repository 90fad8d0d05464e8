import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { freePort, waitFor } from './child-service.ts';

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

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

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
  let output = '';
  const child = spawn(PROMETHEUS_BIN, [`--config.file=${configPath}`, `--storage.tsdb.path=${join(root, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(
    `private Prometheus on ${port}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}): ${output}`);
      return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true;
    },
    30_000,
  );
  return {
    url,
    async query(expr, time) {
      const body = new URLSearchParams({ query: expr, ...(time === undefined ? {} : { time: String(time) }) });
      const res = await fetch(`${url}/api/v1/query`, { method: 'POST', body, signal: AbortSignal.timeout(10_000) });
      const doc = (await res.json()) as { status: string; error?: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (doc.status !== 'success') throw new Error(`${expr}: ${doc.error}`);
      return doc.data!.result;
    },
    log: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      running.delete(child);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
