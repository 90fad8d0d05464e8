import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { followFiles, lastLines } from '../../../cli/src/stack/log-tail.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-logs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('lastLines returns the last n lines of a file larger than one read chunk', (t) => {
  const file = join(tempDir(t), 'big.log');
  const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'x'.repeat(20)}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  assert.deepEqual(lastLines(file, 3), lines.slice(-3));
  assert.deepEqual(lastLines(file, 5000), lines.slice(-5000));
});

test('lastLines copes with short files, no trailing newline, n = 0 and missing files', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'short.log');
  writeFileSync(file, 'a\nb');
  assert.deepEqual(lastLines(file, 10), ['a', 'b']);
  assert.deepEqual(lastLines(file, 1), ['b']);
  assert.deepEqual(lastLines(file, 0), []);
  writeFileSync(file, '');
  assert.deepEqual(lastLines(file, 5), []);
  assert.deepEqual(lastLines(join(dir, 'missing.log'), 5), []);
});

test('followFiles reports appended lines, joins partial lines, and restarts a rotated file', async (t) => {
  const dir = tempDir(t);
  const a = join(dir, 'a.log');
  const b = join(dir, 'b.log');
  writeFileSync(a, 'old line, not reported\n');
  const seen: string[] = [];
  const controller = new AbortController();
  const following = followFiles([a, b], (file, line) => seen.push(`${file === a ? 'a' : 'b'}:${line}`), controller.signal, 10);
  await sleep(30);
  appendFileSync(a, 'one\ntw');
  await sleep(40);
  appendFileSync(a, 'o\n');
  writeFileSync(b, 'created later\n');
  await sleep(40);
  writeFileSync(a, 'after rotation\n'); // smaller than before: a new run's log
  await sleep(40);
  controller.abort();
  await following;
  assert.deepEqual(seen, ['a:one', 'a:two', 'b:created later', 'a:after rotation']);
});
