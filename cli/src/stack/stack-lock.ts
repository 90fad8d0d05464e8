import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { StackError, processAlive } from '@riskstream/shared';


/**
 * One `stack up` / `stack down` at a time per stack directory. Two concurrent `stack up`s (two terminals,
 * or a test run beside a bench) each found Kafka down and each started one on the same data directory:
 * one lost the port race and died, the survivor was left fenced by a controller that no longer heard it,
 * and every client timed out. The lock is a file created exclusively, holding the owner's pid; a lock
 * whose owner is gone is taken over.
 */
export async function withStackLock<T>(
  lockFile: string,
  fn: () => Promise<T>,
  options: { timeoutMs: number; onWait?: (ownerPid: number) => void; pollMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let announced = false;
  for (;;) {
    const owner = tryAcquire(lockFile);
    if (owner === undefined) break;
    // No pid yet: its owner is between creating and writing it, unless that was long ago (a crash).
    const orphaned = owner === 0 && Date.now() - mtimeMs(lockFile) > 2000;
    if (orphaned || (owner > 0 && !processAlive(owner))) {
      rmSync(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new StackError('stack', `another stack command (pid ${owner}) holds ${lockFile}; waited ${Math.round(options.timeoutMs / 1000)} s`);
    }
    if (!announced) options.onWait?.(owner);
    announced = true;
    await sleep(options.pollMs ?? 250);
  }
  try {
    return await fn();
  } finally {
    rmSync(lockFile, { force: true });
  }
}

function mtimeMs(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Date.now();
  }
}

/** Creates the lock file with our pid; returns undefined when we got it, else the owner's pid (0 if not written yet). */
function tryAcquire(lockFile: string): number | undefined {
  try {
    const fd = openSync(lockFile, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    try {
      const pid = Number(readFileSync(lockFile, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : 0;
    } catch {
      return 0; // vanished between open and read: try again
    }
  }
}
