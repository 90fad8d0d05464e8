import { readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { basename } from 'node:path';
import { processAlive } from '@riskstream/shared';

/**
 * A pid file records a process `stack up` started. It is JSON rather than a bare number so that a later
 * CLI run can tell "our Kafka" from an unrelated process that happens to reuse the pid after a reboot:
 * `isOurs` compares the recorded command with /proc/<pid>/cmdline.
 */
export interface PidRecord {
  readonly pid: number;
  readonly command: string;
  readonly args: readonly string[];
  readonly startedAt: string;
}

export function writePidFile(path: string, record: PidRecord): void {
  // Write-then-rename so a concurrent `stack status` never reads half a file.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record)}\n`);
  renameSync(tmp, path);
}

/** undefined when there is no pid file or it is unreadable (a corrupt file means "nothing we manage"). */
export function readPidFile(path: string): PidRecord | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return parsePidRecord(text);
}

export function parsePidRecord(text: string): PidRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (!Number.isSafeInteger(v.pid) || (v.pid as number) <= 0) return undefined;
  if (typeof v.command !== 'string' || !Array.isArray(v.args) || typeof v.startedAt !== 'string') return undefined;
  return { pid: v.pid as number, command: v.command, args: v.args.map(String), startedAt: v.startedAt };
}

export function removePidFile(path: string): void {
  rmSync(path, { force: true });
}

/**
 * True when `record.pid` is alive and is still the program we started. Without /proc (macOS) we can only
 * trust the pid.
 */
export function isOurs(record: PidRecord): boolean {
  if (!processAlive(record.pid)) return false;
  const argv0 = readCmdlineArgv0(record.pid);
  if (argv0 === undefined) return true;
  // redis-server rewrites its argv[0] to a title such as "redis-server 127.0.0.1:6379".
  return basename(argv0.split(' ')[0] ?? '') === basename(record.command);
}

function readCmdlineArgv0(pid: number): string | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0')[0];
  } catch {
    return undefined;
  }
}

