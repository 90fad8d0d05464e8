import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DirectoryModelSource, createModelSource, HttpModelSource, sha256Hex } from '@riskstream/shared/model';
import { ModelRegistry } from '@riskstream/training';
import { handMadeEnsemble, registerModel, tempDir } from './scoring-fixtures.ts';

test('directory model source: aliases, versions and a fetch whose bytes match the manifest sha256', async (t) => {
  const root = await tempDir(t);
  const registry = await ModelRegistry.open(root);
  const v1 = await registerModel(registry, 'fraud', handMadeEnsemble(), { promote: true });
  const v2 = await registerModel(registry, 'fraud', { ...handMadeEnsemble(), baseMargin: -3 });
  await registry.setAlias('fraud', 'challenger', v2.version, 'shadow test');
  // A version being assembled and an incomplete directory are not versions.
  await mkdir(join(root, 'fraud', '.tmp-123-abc'), { recursive: true });
  await writeFile(join(root, 'fraud', '.tmp-123-abc', 'manifest.json'), '{}');
  await mkdir(join(root, 'fraud', '7'));

  const source = new DirectoryModelSource(root);
  assert.deepEqual(await source.aliases('fraud'), { champion: 1, challenger: 2 });
  assert.deepEqual(await source.versions('fraud'), [1, 2]);
  assert.equal(await source.resolve('fraud', 'champion'), 1);
  assert.equal(await source.resolve('fraud', 'challenger'), 2);
  assert.equal(await source.resolve('fraud', 2), 2);
  assert.equal(await source.resolve('fraud', 7), undefined);
  assert.equal(await source.resolve('other', 'champion'), undefined);
  assert.deepEqual(await source.aliases('other'), {});

  const fetched = await source.fetch('fraud', 1);
  assert.equal(fetched.manifest.version, 1);
  assert.equal(sha256Hex(fetched.onnx), v1.sha256);
  assert.ok(Buffer.from(fetched.onnx).equals(Buffer.from(v1.onnx)));
  await assert.rejects(source.fetch('fraud', 9), { code: 'NOT_FOUND' });
  await assert.rejects(source.fetch('../etc', 1), { code: 'USAGE' });
});

test('directory model source: a model.onnx that does not match its manifest sha256 is refused', async (t) => {
  const root = await tempDir(t);
  const registry = await ModelRegistry.open(root);
  const { version } = await registerModel(registry, 'fraud', handMadeEnsemble(), { promote: true });
  const path = join(root, 'fraud', String(version), 'model.onnx');
  const bytes = await readFile(path);
  bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
  await writeFile(path, bytes);
  const source = new DirectoryModelSource(root);
  await assert.rejects(source.fetch('fraud', version), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'MODEL_INVALID');
    assert.match(err.message, /sha256 .* does not match/);
    return true;
  });
});

test('directory model source: a manifest copied under another version number is refused', async (t) => {
  const root = await tempDir(t);
  const registry = await ModelRegistry.open(root);
  await registerModel(registry, 'fraud', handMadeEnsemble(), { promote: true });
  await mkdir(join(root, 'fraud', '5'));
  for (const f of ['manifest.json', 'model.onnx']) await writeFile(join(root, 'fraud', '5', f), await readFile(join(root, 'fraud', '1', f)));
  const source = new DirectoryModelSource(root);
  await assert.rejects(source.fetch('fraud', 5), { code: 'MODEL_INVALID' });
  assert.equal(await source.resolve('fraud', 5), undefined);
});

test('createModelSource: http(s) URLs select the model server, anything else is a directory', () => {
  assert.ok(createModelSource('http://models.internal:8099/') instanceof HttpModelSource);
  assert.equal(createModelSource('https://models.internal/').location, 'https://models.internal');
  assert.ok(createModelSource('/var/lib/riskstream/registry') instanceof DirectoryModelSource);
  assert.ok(createModelSource('relative/registry') instanceof DirectoryModelSource);
});
