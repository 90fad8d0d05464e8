/**
 * Whether a process id names a live process on this host: the pid-file, lock and run-owner checks.
 * Signal 0 tests existence (EPERM: it exists, as another user's). A zombie counts as dead: a process
 * reparented to an init that does not reap (containers) lingers as one, and kill(pid, 0) still finds it.
 */
import { readFileSync } from 'node:fs';

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return procState(pid) !== 'Z';
}

/** The state letter of /proc/<pid>/stat (R, S, Z, ...); undefined without /proc (macOS) or the process. */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name (which may itself contain spaces or parentheses).
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}
