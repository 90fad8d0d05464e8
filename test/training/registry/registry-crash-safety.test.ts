import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { DependencyError } from '@riskstream/shared';
import { ModelRegistry } from '../../../training/src/registry/model-registry.ts';
import { withDirectoryLock } from '../../../training/src/registry/directory-lock.ts';
import { draft, onnxBytes, passingGate, tempRoot } from './registry-fixtures.ts';

const WORKER = fileURLToPath(new URL('./register-worker.ts', import.meta.url));

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

test('leftovers of a crash (temp dirs, half-written manifest, temp aliases, stale lock) do not break the registry', async (t) => {
  const root = await tempRoot(t);
  const registry = await ModelRegistry.open(root);
  await registry.register('fraud', { onnx: onnxBytes(), manifest: draft() });
  await registry.register('fraud', { onnx: onnxBytes(), manifest: draft() });
  await registry.promote('fraud', 2, passingGate());
  const dir = join(root, 'fraud');

  // Crash while assembling a version: temp dir with a partial model file and no manifest.
  await mkdir(join(dir, '.tmp-999-deadbeef'));
  await writeFile(join(dir, '.tmp-999-deadbeef', 'model.onnx'), onnxBytes().subarray(0, 10));
  // A version directory with a truncated manifest (e.g. copied by hand, or a non-atomic tool).
  await mkdir(join(dir, '3'));
  await writeFile(join(dir, '3', 'model.onnx'), onnxBytes());
  await writeFile(join(dir, '3', 'manifest.json'), '{"name":"fraud","vers');
  // Crash while rewriting aliases.json: the temp sibling is left, aliases.json itself is intact.
  await writeFile(join(dir, '.tmp-aliases.json-999-abc'), '{"champion":');
  // Crash while holding the lock.
  await writeFile(join(dir, '.lock'), JSON.stringify({ pid: deadPid(), host: hostname(), token: 'x', at: new Date().toISOString() }));

  assert.deepEqual((await registry.list('fraud')).map((e) => e.version), [1, 2]);
  assert.equal((await registry.get('fraud', 'champion')).version, 2);
  assert.equal((await registry.get('fraud', 'latest')).version, 2);
  await assert.rejects(registry.get('fraud', 3), /does not exist/);

  // Version 3 is burnt by the broken directory: numbers are never reused.
  assert.equal(await registry.register('fraud', { onnx: onnxBytes(), manifest: draft() }), 4);
  assert.equal((await registry.promote('fraud', 4, passingGate())).champion, 4);
  assert.equal((await registry.rollback('fraud')).champion, 2);
  const entries = await readdir(dir);
  assert.ok(!entries.includes('.lock'), 'the stale lock was broken and ours released');
});

test('a live lock is respected: waiters time out with a retriable DependencyError', async (t) => {
  const root = await tempRoot(t);
  const lock = join(root, '.lock');
  let release!: () => void;
  const held = withDirectoryLock(lock, () => new Promise<void>((resolve) => { release = resolve; }));
  await sleep(20);
  await assert.rejects(withDirectoryLock(lock, async () => 1, { timeoutMs: 100 }), (err: unknown) => {
    assert.ok(err instanceof DependencyError);
    assert.equal(err.retriable, true);
    return true;
  });
  release();
  await held;
  assert.equal(await withDirectoryLock(lock, async () => 2, { timeoutMs: 100 }), 2);
});

test('parallel registers in one process get distinct consecutive versions', async (t) => {
  const registry = await ModelRegistry.open(await tempRoot(t));
  const onnx = onnxBytes();
  const versions = await Promise.all(Array.from({ length: 8 }, () => registry.register('fraud', { onnx, manifest: draft() })));
  assert.deepEqual([...versions].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal((await registry.list('fraud')).length, 8);
});

async function runWorker(root: string, count: number): Promise<number[]> {
  const child = spawn(process.execPath, [WORKER, root, String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0);
  return out.trim().split('\n').map(Number);
}

test('two processes registering at the same time never collide on a version', async (t) => {
  const root = await tempRoot(t);
  const [a, b] = await Promise.all([runWorker(root, 6), runWorker(root, 6)]);
  const all = [...a!, ...b!].sort((x, y) => x - y);
  assert.deepEqual(all, Array.from({ length: 12 }, (_, i) => i + 1));
  const registry = await ModelRegistry.open(root);
  assert.equal((await registry.list('fraud')).length, 12);
});

test('SIGKILL in the middle of registering leaves a valid registry', { timeout: 120_000 }, async (t) => {
  const root = await tempRoot(t);
  for (const delayMs of [0, 2, 5, 11]) {
    const child = spawn(process.execPath, [WORKER, root, '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
    // Kill only once the worker is registering in a loop, at staggered points of a register call.
    // A worker that dies before printing must fail this test, not hang it.
    await new Promise((resolve, reject) => {
      child.stdout.once('data', resolve);
      child.once('exit', (code, signal) => reject(new Error(`worker exited (${code ?? signal}) before registering anything`)));
    });
    await sleep(delayMs);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
  }
  const registry = await ModelRegistry.open(root);
  const listed = await registry.list('fraud');
  assert.ok(listed.length >= 4);
  for (const entry of listed) await registry.readOnnx(entry); // every listed version is complete and intact
  const versions = listed.map((e) => e.version);
  assert.equal(new Set(versions).size, versions.length);
  const next = await registry.register('fraud', { onnx: onnxBytes(), manifest: draft() });
  assert.ok(next > versions.at(-1)!);
  const leftovers = (await readdir(join(root, 'fraud'))).filter((e) => e.startsWith('.'));
  t.diagnostic(`${listed.length} complete versions survived 4 kills; leftovers ${JSON.stringify(leftovers)}; next version ${next}`);
});
