import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HttpModelSource, sha256Hex } from '@riskstream/shared/model';
import { ModelRegistry } from '@riskstream/training';
import { createModelServer } from '../../../cli/src/model-server.ts';
import { handMadeEnsemble, registerModel, tempDir } from './scoring-fixtures.ts';

async function serve(t: import('node:test').TestContext, root: string): Promise<string> {
  const server = createModelServer(root);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('model server: the three read-only routes, consumed by HttpModelSource', async (t) => {
  const root = await tempDir(t);
  const registry = await ModelRegistry.open(root);
  const v1 = await registerModel(registry, 'fraud', handMadeEnsemble(), { promote: true });
  const base = await serve(t, root);

  const aliases = await fetch(`${base}/v1/models/fraud/aliases`);
  assert.equal(aliases.status, 200);
  assert.deepEqual(await aliases.json(), { champion: 1 });
  const manifest = await fetch(`${base}/v1/models/fraud/1/manifest.json`);
  assert.equal(manifest.status, 200);
  assert.equal(((await manifest.json()) as { onnxSha256: string }).onnxSha256, v1.sha256);
  const onnx = await fetch(`${base}/v1/models/fraud/1/model.onnx`);
  assert.equal(onnx.status, 200);
  assert.equal(onnx.headers.get('content-type'), 'application/octet-stream');
  assert.equal(sha256Hex(new Uint8Array(await onnx.arrayBuffer())), v1.sha256);

  const source = new HttpModelSource(base);
  assert.equal(await source.resolve('fraud', 'champion'), 1);
  assert.equal(await source.resolve('fraud', 'challenger'), undefined);
  assert.equal(await source.resolve('fraud', 3), undefined);
  assert.deepEqual(await source.aliases('nobody'), {});
  const fetched = await source.fetch('fraud', 1);
  assert.equal(fetched.manifest.name, 'fraud');
  assert.equal(sha256Hex(fetched.onnx), v1.sha256);
  await assert.rejects(source.fetch('fraud', 2), { code: 'NOT_FOUND' });
});

test('model server: unknown routes 404, writes 405, bad names and versions 400', async (t) => {
  const root = await tempDir(t);
  await ModelRegistry.open(root);
  const base = await serve(t, root);
  assert.equal((await fetch(`${base}/v1/models`)).status, 404);
  assert.equal((await fetch(`${base}/v1/models/fraud/1/report.html`)).status, 404);
  assert.equal((await fetch(`${base}/v1/models/fraud/1/model.onnx`)).status, 404);
  assert.equal((await fetch(`${base}/v1/models/fraud/aliases`, { method: 'PUT', body: '{}' })).status, 405);
  assert.equal((await fetch(`${base}/v1/models/fraud/01/manifest.json`)).status, 400);
  assert.equal((await fetch(`${base}/v1/models/a%20b/aliases`)).status, 400);
  assert.equal((await fetch(`${base}/v1/models/..%2F..%2Fetc/1/model.onnx`)).status, 404);
});

test('model server: a corrupted model.onnx is refused with 422 and HttpModelSource raises MODEL_INVALID', async (t) => {
  const root = await tempDir(t);
  const registry = await ModelRegistry.open(root);
  await registerModel(registry, 'fraud', handMadeEnsemble(), { promote: true });
  const path = join(root, 'fraud', '1', 'model.onnx');
  const bytes = await readFile(path);
  bytes[10] = bytes[10]! ^ 0x55;
  await writeFile(path, bytes);
  const base = await serve(t, root);
  const res = await fetch(`${base}/v1/models/fraud/1/model.onnx`);
  assert.equal(res.status, 422);
  assert.equal(((await res.json()) as { error: string }).error, 'MODEL_INVALID');
  await assert.rejects(new HttpModelSource(base).fetch('fraud', 1), { code: 'MODEL_INVALID' });
});

test('HttpModelSource: an unreachable server is a retriable dependency failure', async () => {
  const source = new HttpModelSource('http://127.0.0.1:9', { timeoutMs: 2000 });
  await assert.rejects(source.aliases('fraud'), { code: 'DEPENDENCY_UNAVAILABLE', retriable: true });
});
