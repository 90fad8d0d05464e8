import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '@riskstream/shared';

import { managedState, rotateLog, spawnDetached, stopManaged, waitForHealth } from '../../../cli/src/stack/process-supervisor.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-supervisor-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a detached child gets its own process group, a pid file and a log; stop terminates it', async (t) => {
  const dir = tempDir(t);
  const pidFile = join(dir, 'sleeper.pid');
  const logFile = join(dir, 'sleeper.log');
  // The trailing `true` stops dash from exec-ing sleep, which would change argv0 and make the pid file's
  // identity check (rightly) call the process a stranger.
  const started = await spawnDetached({ command: 'sh', args: ['-c', 'echo hello from $$; sleep 60; true'], cwd: dir }, logFile, pidFile);
  t.after(() => {
    if (processAlive(started.record.pid)) process.kill(started.record.pid, 'SIGKILL');
  });
  assert.equal(started.record.command, 'sh');
  const state = managedState(pidFile);
  assert.equal(state.kind, 'running');
  assert.equal(state.kind === 'running' && state.record.pid, started.record.pid);
  const outcome = await waitForHealth(async () => {
    const healthy = readFileSync(logFile, 'utf8').includes('hello from');
    return { healthy, detail: healthy ? 'said hello' : 'silent' };
  }, { timeoutMs: 5000, intervalMs: 20 });
  assert.equal(outcome.ok, true);

  const stopped = await stopManaged(pidFile, 5000);
  assert.deepEqual(stopped, { pid: started.record.pid, outcome: 'terminated' });
  assert.equal(existsSync(pidFile), false);
  assert.equal(processAlive(started.record.pid), false);
  assert.equal(managedState(pidFile).kind, 'none');
});

test('stop escalates to SIGKILL when the process ignores SIGTERM', async (t) => {
  const dir = tempDir(t);
  const pidFile = join(dir, 'stubborn.pid');
  const logFile = join(dir, 'stubborn.log');
  const started = await spawnDetached(
    { command: 'sh', args: ['-c', "trap '' TERM; echo ready; while :; do sleep 0.1; done"], cwd: dir },
    logFile,
    pidFile,
  );
  await waitForHealth(async () => ({ healthy: readFileSync(logFile, 'utf8').includes('ready'), detail: '' }), { timeoutMs: 5000, intervalMs: 20 });
  const stopped = await stopManaged(pidFile, 300);
  assert.deepEqual(stopped, { pid: started.record.pid, outcome: 'killed' });
  assert.equal(processAlive(started.record.pid), false);
});

test('waitForHealth stops waiting as soon as the process exits', async (t) => {
  const dir = tempDir(t);
  const logFile = join(dir, 'crash.log');
  const started = await spawnDetached({ command: 'sh', args: ['-c', 'echo port in use >&2; exit 3'], cwd: dir }, logFile, join(dir, 'crash.pid'));
  const t0 = Date.now();
  const outcome = await waitForHealth(async () => ({ healthy: false, detail: 'refused' }), {
    timeoutMs: 30_000,
    intervalMs: 20,
    exitStatus: started.exitStatus,
  });
  assert.equal(outcome.ok, false);
  assert.equal(!outcome.ok && outcome.reason, 'exited');
  assert.equal(!outcome.ok && outcome.exit, 'exited with code 3');
  assert.ok(Date.now() - t0 < 5000);
  assert.match(readFileSync(logFile, 'utf8'), /port in use/);
});

test('waitForHealth gives up after its timeout with the last probe result', async () => {
  const outcome = await waitForHealth(async () => ({ healthy: false, detail: 'still refused' }), { timeoutMs: 100, intervalMs: 10 });
  assert.deepEqual(outcome, { ok: false, reason: 'timeout', health: { healthy: false, detail: 'still refused' } });
});

test('a pid file whose process is gone is stale, and stopping it just removes the file', async (t) => {
  const dir = tempDir(t);
  const pidFile = join(dir, 'gone.pid');
  const started = await spawnDetached({ command: 'sh', args: ['-c', 'exit 0'], cwd: dir }, join(dir, 'gone.log'), pidFile);
  await waitForHealth(async () => ({ healthy: started.exitStatus() !== undefined, detail: '' }), { timeoutMs: 5000, intervalMs: 10 });
  assert.equal(managedState(pidFile).kind, 'stale');
  assert.deepEqual(await stopManaged(pidFile, 1000), { pid: started.record.pid, outcome: 'not running' });
  assert.equal(existsSync(pidFile), false);
});

test('a missing command is reported as a spawn error', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(
    spawnDetached({ command: 'riskstream-no-such-binary', args: [], cwd: dir }, join(dir, 'x.log'), join(dir, 'x.pid')),
    /ENOENT/,
  );
  assert.equal(existsSync(join(dir, 'x.pid')), false);
});

test('rotateLog keeps exactly one previous log', (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'c.log');
  rotateLog(log); // nothing to rotate
  writeFileSync(log, 'run 1\n');
  rotateLog(log);
  writeFileSync(log, 'run 2\n');
  rotateLog(log);
  assert.equal(readFileSync(`${log}.1`, 'utf8'), 'run 2\n');
  assert.equal(existsSync(log), false);
});
