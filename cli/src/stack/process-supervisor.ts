import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, renameSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from '@riskstream/shared';
import { isOurs, readPidFile, removePidFile, writePidFile, type PidRecord } from './pid-file.ts';

/** What to run for a component; `prepare` builds it, the supervisor runs it. */
export interface LaunchSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface StartedProcess {
  readonly record: PidRecord;
  /** Set once the child exits while this CLI is still watching it. */
  exitStatus(): string | undefined;
}

/**
 * Called before preparing a fresh start: the previous run's log is kept as `<log>.1`, so a crash that
 * led to this restart is still inspectable, and the new log holds download, format and run output.
 */
export function rotateLog(logFile: string): void {
  if (existsSync(logFile)) renameSync(logFile, `${logFile}.1`);
}

/**
 * Starts a child that outlives the CLI: its own process group (so `stop` can signal the whole group),
 * stdout and stderr appended to `logFile`, and no handle keeping our event loop alive.
 */
export async function spawnDetached(spec: LaunchSpec, logFile: string, pidFile: string): Promise<StartedProcess> {
  const fd = openSync(logFile, 'a');
  let exit: string | undefined;
  try {
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.on('exit', (code, signal) => {
      exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
    });
    child.unref();
    const record: PidRecord = {
      pid: child.pid as number,
      command: spec.command,
      args: [...spec.args],
      startedAt: new Date().toISOString(),
    };
    writePidFile(pidFile, record);
    return { record, exitStatus: () => exit };
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(fd);
  }
}

export type ManagedState =
  | { readonly kind: 'running'; readonly record: PidRecord }
  | { readonly kind: 'stale'; readonly record: PidRecord }
  | { readonly kind: 'none' };

export function managedState(pidFile: string): ManagedState {
  const record = readPidFile(pidFile);
  if (!record) return { kind: 'none' };
  return isOurs(record) ? { kind: 'running', record } : { kind: 'stale', record };
}

/**
 * SIGTERM to the process group, wait up to `graceMs`, then SIGKILL. Returns how it ended. The group, not
 * just the pid, because a component may fork helpers that would otherwise keep its port.
 */
export async function stopProcess(pid: number, graceMs: number): Promise<'terminated' | 'killed' | 'not running'> {
  if (!processAlive(pid)) return 'not running';
  signal(pid, 'SIGTERM');
  if (await waitUntilDead(pid, graceMs)) return 'terminated';
  signal(pid, 'SIGKILL');
  await waitUntilDead(pid, 5000);
  return 'killed';
}

export async function stopManaged(pidFile: string, graceMs: number): Promise<{ pid: number; outcome: string } | undefined> {
  const state = managedState(pidFile);
  if (state.kind === 'none') return undefined;
  const outcome = state.kind === 'running' ? await stopProcess(state.record.pid, graceMs) : 'not running';
  removePidFile(pidFile);
  return { pid: state.record.pid, outcome };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  }
}

async function waitUntilDead(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return true;
    await sleep(100);
  }
  return !processAlive(pid);
}

export interface Health {
  readonly healthy: boolean;
  readonly detail: string;
}

export type WaitOutcome =
  | { readonly ok: true; readonly health: Health }
  | { readonly ok: false; readonly reason: 'timeout' | 'exited'; readonly health: Health; readonly exit?: string };

/**
 * Polls `probe` until it reports healthy, the process exits (no point waiting out the timeout for a JVM
 * that died on a port clash), or `timeoutMs` passes.
 */
export async function waitForHealth(
  probe: () => Promise<Health>,
  options: { timeoutMs: number; intervalMs?: number; exitStatus?: () => string | undefined },
): Promise<WaitOutcome> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 250;
  let health: Health = { healthy: false, detail: 'not probed yet' };
  for (;;) {
    health = await probe();
    if (health.healthy) return { ok: true, health };
    const exit = options.exitStatus?.();
    if (exit !== undefined) return { ok: false, reason: 'exited', health, exit };
    if (Date.now() >= deadline) return { ok: false, reason: 'timeout', health };
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
  }
}
