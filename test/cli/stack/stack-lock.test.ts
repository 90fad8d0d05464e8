import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StackError } from '@riskstream/shared';
import { withStackLock } from '../../../cli/src/stack/stack-lock.ts';

const lockIn = () => join(mkdtempSync(join(tmpdir(), 'rs-lock-')), 'stack.lock');

test('two stack commands run one after the other, never interleaved', async () => {
  const lock = lockIn();
  const log: string[] = [];
  const waits: number[] = [];
  const job = (name: string) => async () => {
    log.push(`${name} in`);
    await sleep(150);
    log.push(`${name} out`);
  };
  await Promise.all([
    withStackLock(lock, job('a'), { timeoutMs: 5000, pollMs: 20 }),
    withStackLock(lock, job('b'), { timeoutMs: 5000, pollMs: 20, onWait: (pid) => waits.push(pid) }),
  ]);
  assert.deepEqual(log, ['a in', 'a out', 'b in', 'b out']);
  assert.deepEqual(waits, [process.pid], 'the waiter is told who holds the lock, once');
  assert.equal(existsSync(lock), false, 'released');
});

test('the lock is released when the command fails', async () => {
  const lock = lockIn();
  await assert.rejects(withStackLock(lock, async () => Promise.reject(new Error('boom')), { timeoutMs: 1000 }), /boom/);
  assert.equal(existsSync(lock), false);
});

test("a lock whose owner is gone is taken over at once", async () => {
  const lock = lockIn();
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(lock, dead.stdout);
  const t0 = Date.now();
  assert.equal(await withStackLock(lock, async () => 'ran', { timeoutMs: 5000 }), 'ran');
  assert.ok(Date.now() - t0 < 1000);
});

test('an empty lock file is waited on briefly, then taken over once it is stale', async () => {
  const lock = lockIn();
  writeFileSync(lock, '');
  const old = new Date(Date.now() - 10_000);
  utimesSync(lock, old, old);
  assert.equal(await withStackLock(lock, async () => 'ran', { timeoutMs: 2000 }), 'ran');
});

test('a live owner that does not finish in time is a StackError naming it', async () => {
  const lock = lockIn();
  writeFileSync(lock, String(process.ppid));
  await assert.rejects(withStackLock(lock, async () => 'never', { timeoutMs: 300, pollMs: 50 }), (err: unknown) => {
    assert.ok(err instanceof StackError);
    assert.match((err as Error).message, new RegExp(`pid ${process.ppid}`));
    return true;
  });
  assert.equal(existsSync(lock), true, "someone else's lock is left alone");
});
