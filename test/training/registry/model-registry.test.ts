import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelError, NotFoundError, UsageError } from '@riskstream/shared';
import { ManifestError } from '@riskstream/shared/model';
import { ModelRegistry } from '../../../training/src/registry/model-registry.ts';
import { PromotionRefusedError } from '../../../training/src/registry/promotion-refused-error.ts';
import { draft, onnxBytes, passingGate, tempRoot } from './registry-fixtures.ts';

test('register assigns 1, 2, ...; list and get return complete entries', async (t) => {
  const registry = await ModelRegistry.open(await tempRoot(t), { now: () => new Date('2025-03-01T00:00:00Z') });
  const onnx = onnxBytes();
  assert.equal(await registry.register('fraud', { onnx, manifest: draft(), reportHtml: '<h1>v1</h1>' }), 1);
  assert.equal(await registry.register('fraud', { onnx: onnxBytes(-1), manifest: draft({ parentVersion: 1 }) }), 2);
  assert.equal(await registry.register('other', { onnx, manifest: draft() }), 1);

  const fraud = await registry.list('fraud');
  assert.deepEqual(fraud.map((e) => e.version), [1, 2]);
  assert.deepEqual((await registry.list()).map((e) => `${e.name}@${e.version}`), ['fraud@1', 'fraud@2', 'other@1']);
  assert.deepEqual(await registry.models(), ['fraud', 'other']);

  const v1 = await registry.get('fraud', 1);
  assert.equal(v1.manifest.name, 'fraud');
  assert.equal(v1.manifest.version, 1);
  assert.equal(v1.manifest.createdAt, '2025-03-01T00:00:00.000Z');
  assert.equal(v1.manifest.onnxSha256, createHash('sha256').update(onnx).digest('hex'));
  assert.equal(await readFile(v1.reportPath!, 'utf8'), '<h1>v1</h1>');
  assert.deepEqual(await registry.readOnnx(v1), Buffer.from(onnx));
  const latest = await registry.get('fraud', 'latest');
  assert.equal(latest.version, 2);
  assert.equal(latest.manifest.parentVersion, 1);
  assert.equal(latest.reportPath, undefined);

  await assert.rejects(registry.get('fraud', 3), NotFoundError);
  await assert.rejects(registry.get('fraud', 'champion'), NotFoundError);
  await assert.rejects(registry.get('missing', 'latest'), NotFoundError);
  await assert.rejects(registry.get('../etc', 1), UsageError);
});

test('register refuses bad manifests and mismatched ONNX without leaving anything behind', async (t) => {
  const root = await tempRoot(t);
  const registry = await ModelRegistry.open(root);
  await assert.rejects(
    registry.register('fraud', { onnx: onnxBytes(), manifest: draft({ thresholds: { review: 0.9, decline: 0.1 }, dataHash: '' }) }),
    (err: unknown) => err instanceof ManifestError && err.issues.length === 2,
  );
  await assert.rejects(registry.register('fraud', { onnx: onnxBytes(), manifest: draft({ featureNames: ['velocity_1h', 'amount'] }) }), ModelError);
  await assert.rejects(registry.register('fraud', { onnx: onnxBytes(), manifest: draft({ parentVersion: 7 }) }), NotFoundError);
  const left = await readdir(join(root, 'fraud')).catch(() => []);
  assert.deepEqual(left.filter((e) => e !== 'aliases.json'), []);
  assert.equal(await registry.register('fraud', { onnx: onnxBytes(), manifest: draft() }), 1);
});

test('readOnnx detects a model file that no longer matches its manifest', async (t) => {
  const registry = await ModelRegistry.open(await tempRoot(t));
  await registry.register('fraud', { onnx: onnxBytes(), manifest: draft() });
  const entry = await registry.get('fraud', 1);
  await writeFile(entry.onnxPath, onnxBytes(3));
  await assert.rejects(registry.readOnnx(entry), /sha256 .* does not match/);
});

test('aliases: challenger is set freely, champion only through a passing gate', async (t) => {
  const registry = await ModelRegistry.open(await tempRoot(t));
  for (let i = 0; i < 3; i++) await registry.register('fraud', { onnx: onnxBytes(), manifest: draft() });

  await registry.setAlias('fraud', 'challenger', 2, 'shadow run');
  assert.equal((await registry.get('fraud', 'challenger')).version, 2);
  assert.deepEqual((await registry.get('fraud', 2)).aliases, ['challenger']);
  await assert.rejects(registry.setAlias('fraud', 'champion', 1, 'manual'), UsageError);
  await assert.rejects(registry.setAlias('fraud', 'challenger', 9, 'typo'), NotFoundError);

  const refused = { ...passingGate(), promote: false, reasons: ['delta below margin'] };
  await assert.rejects(registry.promote('fraud', 2, refused), (err: unknown) => {
    assert.ok(err instanceof PromotionRefusedError);
    assert.deepEqual(err.reasons, ['delta below margin']);
    return true;
  });
  assert.equal((await registry.aliases('fraud')).champion, undefined);

  const doc = await registry.promote('fraud', 2, passingGate());
  assert.equal(doc.champion, 2);
  assert.equal(doc.challenger, undefined, 'a promoted challenger is no longer the challenger');
  assert.equal((await registry.get('fraud', 'champion')).version, 2);
  const promoted = doc.history.find((h) => h.action === 'promote')!;
  assert.deepEqual(promoted.gate?.ci, [0.03, 0.07]);
  await registry.setAlias('fraud', 'challenger', undefined, 'shadow ended');
  assert.equal((await registry.aliases('fraud')).history.length, 4);
});

test('rollback walks back through earlier champions and fails when there is none', async (t) => {
  const registry = await ModelRegistry.open(await tempRoot(t));
  for (let i = 0; i < 4; i++) await registry.register('fraud', { onnx: onnxBytes(), manifest: draft() });
  await assert.rejects(registry.rollback('fraud'), NotFoundError);
  await registry.promote('fraud', 1, passingGate());
  await assert.rejects(registry.rollback('fraud'), NotFoundError);
  await registry.promote('fraud', 2, passingGate());
  await registry.promote('fraud', 3, passingGate());

  assert.equal((await registry.rollback('fraud', 'AUC dropped in production')).champion, 2);
  assert.equal((await registry.rollback('fraud')).champion, 1);
  await assert.rejects(registry.rollback('fraud'), /no previous champion/);

  await registry.promote('fraud', 4, passingGate());
  const doc = await registry.rollback('fraud');
  assert.equal(doc.champion, 1);
  const last = doc.history.at(-1)!;
  assert.equal(last.action, 'rollback');
  assert.match(last.reason, /from version 4/);
});
