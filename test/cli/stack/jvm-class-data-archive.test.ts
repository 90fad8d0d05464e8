import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassDataArchive } from '../../../cli/src/stack/jvm.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-cds-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function recordingPath(flags: string[]): string {
  const flag = flags[0] ?? '';
  assert.match(flag, /^-XX:ArchiveClassesAtExit=/);
  return flag.slice(flag.indexOf('=') + 1);
}

test('the first start records an archive; after a clean exit later starts use it', (t) => {
  const dir = tempDir(t);
  const archive = new ClassDataArchive(dir, 'java', ['-Xmx1g']);
  const recording = recordingPath(archive.flags());
  writeFileSync(recording, 'archive bytes'); // what the JVM writes when it exits
  archive.settle(true);
  const [flag] = archive.flags();
  assert.match(flag ?? '', /^-XX:SharedArchiveFile=.*cds-[0-9a-f]{12}\.jsa$/);
  assert.ok(existsSync((flag ?? '').split('=')[1] ?? ''));
});

test('a recording from a killed JVM is discarded, so a truncated archive is never mapped', (t) => {
  const dir = tempDir(t);
  const archive = new ClassDataArchive(dir, 'java', []);
  writeFileSync(recordingPath(archive.flags()), 'half an archive');
  archive.settle(false);
  assert.deepEqual(readdirSync(dir), []);
  assert.match(archive.flags()[0] ?? '', /ArchiveClassesAtExit/);
});

test('different JVM flags get a different archive, and a new archive replaces older ones', (t) => {
  const dir = tempDir(t);
  const old = new ClassDataArchive(dir, 'java', ['-XX:+UseG1GC']);
  writeFileSync(recordingPath(old.flags()), 'g1');
  old.settle(true);
  const next = new ClassDataArchive(dir, 'java', ['-XX:+UseSerialGC']);
  const recording = recordingPath(next.flags());
  writeFileSync(recording, 'serial');
  next.settle(true);
  const files = readdirSync(dir);
  assert.equal(files.length, 1);
  assert.match(next.flags()[0] ?? '', new RegExp(`SharedArchiveFile=.*${files[0]}$`));
});

test('settle without a recording does nothing', (t) => {
  const dir = tempDir(t);
  new ClassDataArchive(dir, 'java', []).settle(true);
  new ClassDataArchive(join(dir, 'never-created'), 'java', []).settle(false);
  assert.deepEqual(readdirSync(dir), []);
});
