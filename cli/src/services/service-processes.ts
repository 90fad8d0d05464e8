import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError, type Topology } from '@riskstream/shared';
import { probeHttp } from '../stack/http-probe.ts';
import { managedState, spawnDetached, stopManaged, waitForHealth } from '../stack/process-supervisor.ts';
import { devSecret } from '../stack/dev-secrets.ts';
import { scrapeTargetsDir } from '../stack/prometheus.ts';
import { REPO_ROOT } from '../stack/stack-config.ts';
import type { StackDir } from '../stack/stack-dir.ts';

/**
 * The streaming services as local processes (what a Deployment per service is in k8s/). Each replica is
 * a member of its service's consumer group; replicas differ only in their HTTP port.
 */
export interface ServiceSpec {
  readonly name: string;
  /** Entry point, relative to the repository root. */
  readonly entry: string;
  readonly basePort: number;
  /** Extra arguments (the model server is a CLI command). */
  readonly args?: readonly string[];
  /** Whether more than one replica makes sense. */
  readonly scalable: boolean;
  /** Serves /metrics for Prometheus; the model server only serves registry files (and /healthz). */
  readonly metrics?: false;
  /** Runs only in this topology (shared/src/topology.ts); the others run in both. */
  readonly topology?: Topology;
}

export const SERVICES: readonly ServiceSpec[] = [
  { name: 'model-server', entry: 'cli/bin/riskstream.ts', args: ['models', 'serve'], basePort: 8095, scalable: false, metrics: false },
  { name: 'ingest', entry: 'services/ingest/src/main.ts', basePort: 8091, scalable: true, topology: 'split' },
  { name: 'features', entry: 'services/features/src/main.ts', basePort: 8092, scalable: true, topology: 'split' },
  { name: 'scoring', entry: 'services/scoring/src/main.ts', basePort: 8093, scalable: true, topology: 'split' },
  { name: 'fused', entry: 'services/fused/src/main.ts', basePort: 8099, scalable: true, topology: 'fused' },
  { name: 'decisions', entry: 'services/decisions/src/main.ts', basePort: 8098, scalable: true },
  { name: 'drift-monitor', entry: 'services/drift-monitor/src/main.ts', basePort: 8094, scalable: false },
  { name: 'alert-receiver', entry: 'services/alert-receiver/src/main.ts', basePort: 8090, scalable: true },
  { name: 'archiver', entry: 'services/archiver/src/main.ts', basePort: 8096, scalable: true },
  { name: 'trainer', entry: 'training/src/worker/main.ts', basePort: 8097, scalable: false },
  { name: 'ui', entry: 'cli/bin/riskstream.ts', args: ['ui'], basePort: 8089, scalable: false },
];

/** The topology `services up` runs unless told otherwise: the one the latency bench favours (README). */
export const DEFAULT_TOPOLOGY: Topology = 'fused';

/** The services of one topology, in start order. */
export function servicesOf(topology: Topology): readonly ServiceSpec[] {
  return SERVICES.filter((s) => s.topology === undefined || s.topology === topology);
}

/**
 * Prometheus file-based discovery: a running replica has `<stack>/prometheus/targets/<replica>.json`.
 * Written atomically (rename) because Prometheus may read the directory at any moment.
 */
export function writeScrapeTarget(dir: StackDir, name: string, port: number): void {
  const targets = scrapeTargetsDir(dir);
  mkdirSync(targets, { recursive: true });
  const file = join(targets, `${name}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify([{ targets: [`127.0.0.1:${port}`], labels: { replica: name } }]) + '\n');
  renameSync(`${file}.tmp`, file);
}

export function removeScrapeTarget(dir: StackDir, name: string): void {
  rmSync(join(scrapeTargetsDir(dir), `${name}.json`), { force: true });
}

/** Replica i of a service listens on basePort + 10 * i (8091, 8101, ...). */
export function replicaPort(spec: ServiceSpec, replica: number): number {
  return spec.basePort + 10 * replica;
}

export function replicaName(spec: ServiceSpec, replica: number): string {
  return replica === 0 ? spec.name : `${spec.name}-${replica}`;
}

/** The dev stack's card-token key (see dev-secrets.ts); production passes CARD_TOKEN_KEYS from a secret store. */
export function devCardTokenKeys(dir: StackDir): string {
  return devSecret(dir, 'cardTokenKeys');
}

export interface ReplicaStatus {
  readonly name: string;
  readonly pid: number | undefined;
  readonly port: number;
  readonly ready: boolean;
  readonly detail: string;
}

export async function startReplica(
  spec: ServiceSpec,
  replica: number,
  dir: StackDir,
  env: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<ReplicaStatus> {
  dir.ensure();
  const name = replicaName(spec, replica);
  const port = replicaPort(spec, replica);
  const state = managedState(dir.pidFile(name));
  if (state.kind === 'running') {
    const h = await probeHttp(`http://127.0.0.1:${port}/healthz`);
    if (h.healthy) {
      if (spec.metrics !== false) writeScrapeTarget(dir, name, port);
      return { name, pid: state.record.pid, port, ready: true, detail: 'already running' };
    }
  }
  const started = await spawnDetached(
    // INSTANCE_ID: a restarted replica reuses its transactional id and so fences its predecessor at once.
    { command: process.execPath, args: [join(REPO_ROOT, spec.entry), ...(spec.args ?? [])], cwd: REPO_ROOT, env: { ...env, HTTP_PORT: String(port), INSTANCE_ID: name } },
    dir.logFile(name),
    dir.pidFile(name),
  );
  // /healthz, not /readyz: a scoring replica without a champion yet is alive and waits for one.
  const outcome = await waitForHealth(() => probeHttp(`http://127.0.0.1:${port}/healthz`), { timeoutMs, exitStatus: started.exitStatus });
  if (!outcome.ok) {
    throw new StackError(name, `${outcome.reason === 'exited' ? `exited (${outcome.exit})` : 'did not answer /healthz in time'}; see ${dir.logFile(name)}`);
  }
  if (spec.metrics !== false) writeScrapeTarget(dir, name, port);
  const ready = await probeHttp(`http://127.0.0.1:${port}/readyz`);
  return { name, pid: started.record.pid, port, ready: ready.healthy, detail: ready.detail };
}

export async function stopReplica(name: string, dir: StackDir): Promise<string> {
  removeScrapeTarget(dir, name);
  const r = await stopManaged(dir.pidFile(name), 30000);
  return r ? `stopped pid ${r.pid} (${r.outcome})` : 'not running';
}

export async function replicaStatus(spec: ServiceSpec, replica: number, dir: StackDir): Promise<ReplicaStatus | undefined> {
  const name = replicaName(spec, replica);
  const state = managedState(dir.pidFile(name));
  if (state.kind !== 'running') return undefined;
  const port = replicaPort(spec, replica);
  const ready = await probeHttp(`http://127.0.0.1:${port}/readyz`);
  return { name, pid: state.record.pid, port, ready: ready.healthy, detail: ready.detail };
}
