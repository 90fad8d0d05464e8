import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOurs, parsePidRecord, readPidFile, removePidFile, writePidFile } from '../../../cli/src/stack/pid-file.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-pid-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A pid that certainly belonged to a process which has exited. */
function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$']);
  return Number(child.stdout.toString().trim());
}

test('a pid file round-trips', (t) => {
  const file = join(tempDir(t), 'kafka.pid');
  const record = { pid: 1234, command: 'java', args: ['-cp', 'libs/*', 'kafka.Kafka'], startedAt: '2025-01-01T00:00:00.000Z' };
  writePidFile(file, record);
  assert.deepEqual(readPidFile(file), record);
  removePidFile(file);
  assert.equal(readPidFile(file), undefined);
  removePidFile(file); // removing twice is fine
});

test('a missing pid file reads as undefined', (t) => {
  assert.equal(readPidFile(join(tempDir(t), 'none.pid')), undefined);
});

test('a corrupt or foreign pid file reads as undefined rather than throwing', (t) => {
  const file = join(tempDir(t), 'x.pid');
  for (const text of ['', '12345', 'not json', '{"pid":-1,"command":"java","args":[],"startedAt":"x"}', '{"pid":12,"command":3}', 'null']) {
    writeFileSync(file, text);
    assert.equal(readPidFile(file), undefined, JSON.stringify(text));
  }
});

test('parsePidRecord stringifies args and keeps only known fields', () => {
  assert.deepEqual(parsePidRecord('{"pid":7,"command":"redis-server","args":["--port",6379],"startedAt":"t","extra":1}'), {
    pid: 7,
    command: 'redis-server',
    args: ['--port', '6379'],
    startedAt: 't',
  });
});

test('isOurs checks the command, so a reused pid is not mistaken for our process', () => {
  const record = { pid: process.pid, args: [], startedAt: 'now' };
  assert.equal(isOurs({ ...record, command: process.execPath }), true);
  assert.equal(isOurs({ ...record, command: 'prometheus' }), false);
  assert.equal(isOurs({ ...record, pid: deadPid(), command: 'sh' }), false);
});
