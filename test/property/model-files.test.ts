/**
 * Bad model files, refused before they serve: services/scoring/src/scoring-model.ts loadScoringModel (the
 * checks every serving process runs: scoring, fused, decisions), shared/src/model/model-source.ts
 * DirectoryModelSource (the registry as read by the servers) and services/scoring/src/model-manager.ts
 * (the hot swap). Each bad artifact is a ModelRejectedError with a MODEL_REJECTION_REASONS reason, counted
 * in scoring_model_rejected_total{reason}, and on a hot swap the model serving before keeps serving.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { createLogger, ModelRejectedError } from '@riskstream/shared';
import { DirectoryModelSource, MODEL_REJECTION_REASONS, sha256Hex } from '@riskstream/shared/model';
import { exportOnnx, ModelRegistry } from '@riskstream/training';
import { ModelManager, type LifecycleEvent } from '../../services/scoring/src/model-manager.ts';
import { scoringMetrics } from '../../services/scoring/src/scoring-metrics.ts';
import { loadScoringModel } from '../../services/scoring/src/scoring-model.ts';
import { ServingModels } from '../../services/scoring/src/serving-models.ts';
import { fetchedModel, handMadeEnsemble, nanModel, registerModel, tempDir } from '../services/scoring/scoring-fixtures.ts';
import { assertTimedProperty } from './property-support.ts';

const good = handMadeEnsemble();
const goodOnnx = Buffer.from(exportOnnx(good));

async function rejection(load: Promise<unknown>): Promise<string> {
  try {
    const model = (await load) as { release(): Promise<void> };
    await model.release();
  } catch (err) {
    assert.ok(err instanceof ModelRejectedError, `expected a ModelRejectedError, got ${String(err)}`);
    assert.equal(err.code, 'MODEL_INVALID');
    assert.ok(err.reason in MODEL_REJECTION_REASONS, err.reason);
    return err.reason;
  }
  return 'loaded';
}

test('loadScoringModel: zero bytes, wrong input names and NaN outputs are refused with their reason', async () => {
  assert.equal(await rejection(loadScoringModel(fetchedModel(good, 2, { onnx: new Uint8Array(0) }))), 'EMPTY_MODEL');
  const renamed = { ...good, featureNames: good.featureNames.map((n) => `${n}_v2`) };
  assert.equal(await rejection(loadScoringModel({ ...fetchedModel(good, 2), onnx: exportOnnx(renamed), manifest: { ...fetchedModel(good, 2).manifest, onnxSha256: sha256Hex(exportOnnx(renamed)) } })), 'SIGNATURE_MISMATCH');
  assert.equal(await rejection(loadScoringModel(fetchedModel(nanModel(good.featureNames), 2))), 'INVALID_OUTPUT');
  assert.equal(await rejection(loadScoringModel(fetchedModel(good, 2), { expectedSha256: sha256Hex(Buffer.from('another')) })), 'CHECKSUM_MISMATCH');
  assert.equal(await rejection(loadScoringModel(fetchedModel(good, 2, { onnx: Buffer.from('not onnx at all') }))), 'UNREADABLE');
});

test('loadScoringModel: any truncation of a good model is refused (never a crash, never served)', async (t) => {
  await assertTimedProperty(
    'truncated ONNX',
    [fc.integer({ min: 1, max: goodOnnx.length - 1 })],
    async (cut) => {
      const reason = await rejection(loadScoringModel(fetchedModel(good, 2, { onnx: goodOnnx.subarray(0, cut) })));
      assert.notEqual(reason, 'loaded', `the first ${cut} of ${goodOnnx.length} bytes loaded`);
    },
    { numRuns: 300, diagnostic: (m) => t.diagnostic(m) },
  );
});

test('loadScoringModel: a bit-flipped model either passes every check or is refused with a reason', async (t) => {
  const outcomes = new Map<string, number>();
  await assertTimedProperty(
    'bit-flipped ONNX',
    [fc.array(fc.integer({ min: 0, max: goodOnnx.length * 8 - 1 }), { minLength: 1, maxLength: 3 })],
    async (bits) => {
      const bytes = Buffer.from(goodOnnx);
      for (const bit of bits) bytes[bit >> 3]! ^= 1 << (bit & 7);
      const reason = await rejection(loadScoringModel(fetchedModel(good, 2, { onnx: bytes })));
      outcomes.set(reason, (outcomes.get(reason) ?? 0) + 1);
    },
    { numRuns: 300, diagnostic: (m) => t.diagnostic(m) },
  );
  t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  assert.ok([...outcomes.keys()].some((k) => k !== 'loaded'), 'some flips must be caught');
});

// ---- the registry and the hot swap ---------------------------------------------------------------------

async function setup(t: TestContext) {
  const base = await tempDir(t, 'model-files-');
  const root = join(base, 'registry');
  const registry = await ModelRegistry.open(root);
  const metrics = scoringMetrics(new Registry());
  const serving = new ServingModels();
  const source = new DirectoryModelSource(root);
  const manager = new ModelManager({ source, name: 'fraud', serving, metrics, logger: createLogger('test', { level: 'silent' }) });
  t.after(async () => {
    await manager.close();
    await serving.close();
  });
  await registerModel(registry, 'fraud', good, { promote: true });
  assert.equal(await manager.loadInitial(), true);
  const rejected = async (reason: string) => (await metrics.modelRejections.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
  const promoted = (version: number, sha: string): LifecycleEvent => ({
    event_id: `e-${version}`, model_name: 'fraud', action: 'PROMOTED', version, previous_version: 1, onnx_sha256: sha, artifact_uri: 'test', reasons: [], at: 0,
  });
  /** Version `version` as a copy of v1 with other model bytes (the manifest's sha256 follows them). */
  const writeVersion = async (version: number, onnx: Uint8Array): Promise<string> => {
    const dir = join(root, 'fraud', String(version));
    await cp(join(root, 'fraud', '1'), dir, { recursive: true });
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, 'model.onnx'), onnx);
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, version, onnxSha256: sha256Hex(onnx) }));
    return sha256Hex(onnx);
  };
  return { base, root, source, serving, manager, rejected, promoted, writeVersion };
}

test('hot swap: zero-byte, truncated, renamed-input and NaN-scoring models are refused, counted by reason, and v1 keeps serving', async (t) => {
  const s = await setup(t);
  const renamed = exportOnnx({ ...good, featureNames: good.featureNames.map((n) => `${n}_v2`) });
  const cases: [string, Uint8Array][] = [
    ['EMPTY_MODEL', new Uint8Array(0)],
    ['UNREADABLE', goodOnnx.subarray(0, Math.floor(goodOnnx.length * 0.6))],
    ['SIGNATURE_MISMATCH', renamed],
    ['INVALID_OUTPUT', exportOnnx(nanModel(good.featureNames))],
  ];
  let version = 2;
  for (const [reason, bytes] of cases) {
    const sha = await s.writeVersion(version, bytes);
    assert.equal(await s.manager.handleLifecycle(s.promoted(version, sha)), 'refused', reason);
    assert.equal(s.serving.current()?.champion.version, 1, `${reason}: the old model keeps serving`);
    assert.equal(await s.rejected(reason), 1, `scoring_model_rejected_total{reason="${reason}"}`);
    version++;
  }
  // A good one after all that still swaps in.
  const sha = await s.writeVersion(version, exportOnnx({ ...good, baseMargin: -1 }));
  assert.equal(await s.manager.handleLifecycle(s.promoted(version, sha)), 'loaded');
  assert.equal(s.serving.current()?.champion.version, version);
});

test('registry paths: a version whose model.onnx or directory is a link out of the registry is refused (PATH_ESCAPE)', async (t) => {
  const s = await setup(t);
  // The same good bytes, but living outside the registry: the sha256 matches, the location does not.
  const outside = join(s.base, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'model.onnx'), goodOnnx);
  const sha = await s.writeVersion(2, goodOnnx);
  await rm(join(s.root, 'fraud', '2', 'model.onnx'));
  await symlink(join(outside, 'model.onnx'), join(s.root, 'fraud', '2', 'model.onnx'));
  await assert.rejects(s.source.fetch('fraud', 2), (err: unknown) => err instanceof ModelRejectedError && err.reason === 'PATH_ESCAPE');
  assert.equal(await s.manager.handleLifecycle(s.promoted(2, sha)), 'refused');
  assert.equal(await s.rejected('PATH_ESCAPE'), 1);
  assert.equal(s.serving.current()?.champion.version, 1);

  // A whole version directory linked in from elsewhere.
  await cp(join(s.root, 'fraud', '1'), join(outside, 'v3'), { recursive: true });
  const manifest = JSON.parse(await readFile(join(outside, 'v3', 'manifest.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(outside, 'v3', 'manifest.json'), JSON.stringify({ ...manifest, version: 3 }));
  await symlink(join(outside, 'v3'), join(s.root, 'fraud', '3'));
  assert.equal(await s.manager.handleLifecycle(s.promoted(3, sha)), 'refused');
  assert.equal(await s.rejected('PATH_ESCAPE'), 2);

  // Names are patterns, not paths: "../" never reaches the filesystem.
  await assert.rejects(s.source.fetch('../fraud', 1), { code: 'USAGE' });
  await assert.rejects(s.source.fetch('fraud', Number('1/../../x')), { code: 'USAGE' });
  assert.equal(s.serving.current()?.champion.version, 1);
});
