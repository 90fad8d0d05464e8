import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './child-service.ts';
import { startReadyBinary } from './ready-binary.ts';

/**
 * A private Debian `prometheus-alertmanager` for receiver tests: its own directory laid out like the
 * stack's (<root>/alertmanager/alertmanager.yml beside its templates, <root>/secrets/ for the *_file
 * secrets the config names relatively), a free port, no gossip cluster. The stack's instance on 9093 is
 * never touched. Killed on stop and when the test process exits.
 */
export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

export function hasAlertmanager(): boolean {
  return spawnSync('sh', ['-c', `test -x ${ALERTMANAGER_BIN} && command -v amtool`]).status === 0;
}

export interface AlertmanagerFiles {
  /** Rendered alertmanager.yml. */
  readonly config: string;
  /** File name -> content, written beside the config (message templates). */
  readonly beside: Readonly<Record<string, string>>;
  /** File name -> content, written 0600 under <root>/secrets. */
  readonly secrets: Readonly<Record<string, string>>;
}

export interface PostedAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt?: string;
  readonly endsAt?: string;
}

export interface PrivateAlertmanager {
  readonly url: string;
  readonly root: string;
  readonly configPath: string;
  /** POST /api/v2/alerts, as Prometheus does. */
  postAlerts(alerts: readonly PostedAlert[]): Promise<void>;
  /** The process's output so far (for assertion messages). */
  log(): string;
  stop(): Promise<void>;
}

/** Lays the files out under a new temporary root; returns it and the config path. */
export function writeAlertmanagerDir(files: AlertmanagerFiles): { root: string; configPath: string } {
  const root = mkdtempSync(join(tmpdir(), 'riskstream-am-'));
  const amDir = join(root, 'alertmanager');
  mkdirSync(amDir);
  mkdirSync(join(root, 'secrets'), { mode: 0o700 });
  for (const [name, text] of Object.entries(files.secrets)) writeFileSync(join(root, 'secrets', name), text, { mode: 0o600 });
  for (const [name, text] of Object.entries(files.beside)) writeFileSync(join(amDir, name), text);
  const configPath = join(amDir, 'alertmanager.yml');
  writeFileSync(configPath, files.config);
  return { root, configPath };
}

export async function startPrivateAlertmanager(files: AlertmanagerFiles): Promise<PrivateAlertmanager> {
  const { root, configPath } = writeAlertmanagerDir(files);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const binary = await startReadyBinary(
    'Alertmanager',
    ALERTMANAGER_BIN,
    [`--config.file=${configPath}`, `--storage.path=${join(root, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', `--web.external-url=${url}`],
    { cwd: join(root, 'alertmanager'), url, root },
  );
  return {
    url,
    root,
    configPath,
    async postAlerts(alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
      if (!res.ok) throw new Error(`POST /api/v2/alerts: ${res.status} ${await res.text()}`);
    },
    log: binary.log,
    stop: binary.stop,
  };
}
