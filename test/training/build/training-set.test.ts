import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotFoundError, ValidationError } from '@riskstream/shared';
import { createDataset } from '../../../training/src/data/dataset.ts';
import type { Dataset } from '../../../training/src/data/dataset.ts';
import { hashDataset, loadTrainingSet, saveTrainingSet } from '../../../training/src/build/training-set.ts';

function sample(): Dataset {
  return createDataset({
    featureNames: ['amount', 'night'],
    x: new Float32Array([10.5, 0, Number.NaN, 1, 3.25, 0]),
    y: new Uint8Array([0, 1, 0]),
  });
}

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'training-set-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('hash is stable, 64 hex digits, and pinned to the byte layout', () => {
  const h = hashDataset(sample());
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.equal(hashDataset(sample()), h);
  // Pinned: a change here silently orphans every stored training set and every manifest's dataHash.
  assert.equal(h, PINNED_HASH);
});

test('hash changes when one value, one label, a name, the shape, the order or the weights change', () => {
  const base = sample();
  const h = hashDataset(base);
  const variants: Dataset[] = [
    { ...base, x: Float32Array.from(base.x, (v, i) => (i === 4 ? 3.2500002 : v)) },
    { ...base, y: new Uint8Array([0, 1, 1]) },
    { ...base, featureNames: ['amount', 'weekend'] },
    createDataset({ featureNames: ['a', 'b', 'c'], x: base.x, y: new Uint8Array([0, 1]) }),
    createDataset({ featureNames: base.featureNames, x: new Float32Array([3.25, 0, Number.NaN, 1, 10.5, 0]), y: new Uint8Array([0, 1, 0]) }),
    { ...base, weight: new Float32Array([1, 1, 1]) },
    { ...base, group: new Int32Array([0, 0, 1]) },
  ];
  const hashes = variants.map(hashDataset);
  for (const [i, v] of hashes.entries()) assert.notEqual(v, h, `variant ${i}`);
  assert.equal(new Set(hashes).size, hashes.length);
  // A view into a larger buffer hashes its own bytes only.
  const wide = new Float32Array(100);
  wide.set(base.x, 10);
  assert.equal(hashDataset({ ...base, x: wide.subarray(10, 16) }), h);
});

test('save then load round-trips every array, NaN included; meta.json describes the set', async (t) => {
  const dir = await tempDir(t);
  const ds = createDataset({ ...sample(), weight: new Float32Array([1, 2, 0.5]), group: new Int32Array([3, 3, 9]) });
  const saved = await saveTrainingSet(dir, ds, { source: 'unit test', details: { seed: 7 } });
  assert.equal(saved.path, join(dir, saved.hash));
  assert.equal(saved.created, true);
  assert.equal(saved.hash, hashDataset(ds));
  assert.deepEqual((await readdir(saved.path)).sort(), ['group.i32', 'meta.json', 'w.f32', 'x.f32', 'y.u8']);
  assert.deepEqual(await readdir(dir), [saved.hash]); // no temporary left behind
  const meta = JSON.parse(await readFile(join(saved.path, 'meta.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(meta['featureNames'], ['amount', 'night']);
  assert.equal(meta['rows'], 3);
  assert.equal(meta['source'], 'unit test');
  assert.deepEqual(meta['details'], { seed: 7 });
  assert.ok(!Number.isNaN(Date.parse(meta['created_at'] as string)));

  const back = await loadTrainingSet(saved.path);
  assert.deepEqual(back.featureNames, ds.featureNames);
  assert.equal(back.rows, 3);
  assert.deepEqual([...back.x], [...ds.x]);
  assert.deepEqual(back.y, ds.y);
  assert.deepEqual(back.weight, ds.weight);
  assert.deepEqual(back.group, ds.group);
  assert.equal(hashDataset(back), saved.hash);
});

test('saving the same data twice does not rewrite it', async (t) => {
  const dir = await tempDir(t);
  const first = await saveTrainingSet(dir, sample(), { source: 'first' });
  const before = await stat(join(first.path, 'x.f32'));
  const second = await saveTrainingSet(dir, sample(), { source: 'second' });
  assert.deepEqual({ path: second.path, hash: second.hash, created: second.created }, { path: first.path, hash: first.hash, created: false });
  assert.equal((await stat(join(first.path, 'x.f32'))).mtimeMs, before.mtimeMs);
  const meta = JSON.parse(await readFile(join(first.path, 'meta.json'), 'utf8')) as { source: string };
  assert.equal(meta.source, 'first');
  // Concurrent saves of the same set: one creates it, the others find it; nothing is left half-written.
  const third = createDataset({ featureNames: ['v'], x: new Float32Array([1, 2]), y: new Uint8Array([0, 1]) });
  const results = await Promise.all([1, 2, 3].map(() => saveTrainingSet(dir, third, { source: 'race' })));
  assert.equal(results.filter((r) => r.created).length, 1);
  assert.equal((await readdir(dir)).length, 2);
  assert.deepEqual([...(await loadTrainingSet(results[0]!.path)).x], [1, 2]);
});

test('a tampered or incomplete set is refused on load', async (t) => {
  const dir = await tempDir(t);
  const saved = await saveTrainingSet(dir, sample(), { source: 'x' });
  const x = await readFile(join(saved.path, 'x.f32'));
  x[0] = x[0]! ^ 1;
  await writeFile(join(saved.path, 'x.f32'), x);
  await assert.rejects(loadTrainingSet(saved.path), (e: unknown) => e instanceof ValidationError && e.reason === 'TRAINING_SET_INVALID' && /hash/.test(e.message));
  await writeFile(join(saved.path, 'y.u8'), new Uint8Array(2));
  await assert.rejects(loadTrainingSet(saved.path), (e: unknown) => e instanceof ValidationError && /has 2 bytes, expected 3/.test(e.message));
  await assert.rejects(loadTrainingSet(join(dir, 'nope')), NotFoundError);
});

const PINNED_HASH = '3cd30528904aab92b0ca243f8d42d6d9ea90671b85eb22d34f4a993b6b93f8e9';
