/**
 * A cross-process mutex for one registry directory: a lock file created atomically by hard-linking a
 * fully written owner file to it (`link` fails with EEXIST if it exists, on local filesystems and NFSv3+). Held only for the few
 * milliseconds it takes to pick a version number or rewrite aliases.json, so waiting is a short poll.
 *
 * A process that dies while holding the lock leaves the file behind. The lock records pid, host and a
 * random token; a waiter breaks it when the owner is a dead process on this host, or when the lock is
 * older than `staleMs` (owner on another host, or a lock file whose contents never got written). Breaking
 * renames the file aside and checks that the renamed file is the stale one it inspected; if another
 * process re-acquired in between, the fresh lock is put back. (A residual race needs two breakers and a
 * new owner within the same few microseconds; the registry tolerates it because version directories are
 * created by rename, which fails instead of overwriting an existing version.)
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { DependencyError, processAlive } from '@riskstream/shared';

export interface LockOptions {
  /** Give up (DependencyError, retriable) after this long. */
  timeoutMs?: number;
  /** A lock older than this is considered abandoned even if its owner cannot be checked. */
  staleMs?: number;
  pollMs?: number;
}

interface LockOwner {
  pid: number;
  host: string;
  token: string;
  at: string;
}

const DEFAULTS = { timeoutMs: 10_000, staleMs: 60_000, pollMs: 5 };

export async function withDirectoryLock<T>(lockPath: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const opts = { ...DEFAULTS, ...options };
  const token = await acquire(lockPath, opts);
  try {
    return await fn();
  } finally {
    await release(lockPath, token);
  }
}

async function acquire(lockPath: string, opts: Required<LockOptions>): Promise<string> {
  const owner: LockOwner = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex'), at: new Date().toISOString() };
  const deadline = Date.now() + opts.timeoutMs;
  for (let attempt = 0; ; attempt++) {
    // The owner is written to a private file first and then hard-linked into place (link fails with
    // EEXIST atomically), so a lock file always names its owner. Created with 'wx' and written after, a
    // process killed between the two left an empty lock that no waiter could tell was dead: the next
    // one waited staleMs (60 s), timed out, and the crash test's next worker never started.
    const pending = `${lockPath}.${owner.token}.pending`;
    try {
      await writeFile(pending, JSON.stringify(owner), { flag: 'wx' });
      try {
        await link(pending, lockPath);
        return owner.token;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    } finally {
      await unlink(pending).catch(() => undefined);
    }
    if (await breakIfStale(lockPath, opts.staleMs)) continue;
    if (Date.now() > deadline) {
      throw new DependencyError('model-registry', `lock ${lockPath} still held after ${opts.timeoutMs} ms`);
    }
    // Jitter keeps two waiters from polling in lockstep.
    await sleep(opts.pollMs + Math.random() * opts.pollMs * Math.min(attempt, 8));
  }
}

async function release(lockPath: string, token: string): Promise<void> {
  const current = await readOwner(lockPath);
  // Only remove our own lock: if it was (wrongly) broken and re-acquired, the new owner keeps it.
  if (current.owner?.token === token) await unlink(lockPath).catch(() => undefined);
}

async function readOwner(lockPath: string): Promise<{ owner?: LockOwner; mtimeMs?: number }> {
  try {
    const [text, info] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
    try {
      return { owner: JSON.parse(text) as LockOwner, mtimeMs: info.mtimeMs };
    } catch {
      return { mtimeMs: info.mtimeMs };
    }
  } catch {
    return {};
  }
}

async function breakIfStale(lockPath: string, staleMs: number): Promise<boolean> {
  const seen = await readOwner(lockPath);
  if (seen.mtimeMs === undefined) return true; // vanished meanwhile: just retry
  const old = Date.now() - seen.mtimeMs > staleMs;
  const deadOwner = seen.owner !== undefined && seen.owner.host === hostname() && !processAlive(seen.owner.pid);
  if (!old && !deadOwner) return false;

  const aside = `${lockPath}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch {
    return true; // someone else broke or released it
  }
  const moved = await readOwner(aside);
  if (seen.owner !== undefined && moved.owner?.token !== seen.owner.token) {
    // We moved a fresh lock; put it back unless yet another owner exists (then theirs stands).
    await link(aside, lockPath).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
  return true;
}
