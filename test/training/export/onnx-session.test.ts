import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { ModelError } from '@riskstream/shared';
import { exportOnnx } from '../../../training/src/export/onnx-export.ts';
import { loadOnnxModel, onnxLoads, scoreRows } from '../../../training/src/export/onnx-session.ts';
import { randomMatrix, randomTreeEnsemble } from '../../../training/bench/random-model.ts';

const proto = onnxProto.onnx;
const model = randomTreeEnsemble({ features: 4, trees: 10, maxDepth: 3, seed: 11, calibrated: true });

/** Decodes exported bytes, lets the test corrupt the graph, re-encodes. */
function tamper(edit: (m: InstanceType<typeof proto.ModelProto>) => void): Uint8Array {
  const decoded = proto.ModelProto.decode(exportOnnx(model));
  edit(decoded);
  return proto.ModelProto.encode(decoded).finish();
}

async function refused(source: Uint8Array | string, message: RegExp, featureNames = model.featureNames): Promise<void> {
  await assert.rejects(loadOnnxModel(source, { featureNames, name: 'candidate' }), (err: unknown) => {
    assert.ok(err instanceof ModelError, `expected ModelError, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
  assert.equal(await onnxLoads(source, { featureNames }), false);
}

test('loads from bytes and from a file path, and scores rows', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'onnx-session-'));
  try {
    const path = join(dir, 'model.onnx');
    await writeFile(path, exportOnnx(model));
    const loaded = await loadOnnxModel(path);
    const x = randomMatrix(10, 4, 1);
    const p = await scoreRows(loaded.session, loaded.featureNames, x, 10);
    assert.equal(p.length, 10);
    assert.ok(p.every((v) => v > 0 && v < 1));
    await loaded.session.release();
    assert.equal(await onnxLoads(exportOnnx(model)), true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('refuses a model whose probe batch yields NaN', async () => {
  const bytes = tamper((m) => {
    const platt = m.graph!.initializer!.find((t) => t.name === 'riskstream/platt_a')!;
    platt.rawData = new Uint8Array(new Float64Array([NaN]).buffer);
  });
  await refused(bytes, /probe row 0 scored NaN/);
});

test('refuses wrong inputs: expected features missing or extra', async () => {
  await refused(exportOnnx(model), /missing input "amount".*unexpected input "f0_amount"/s, ['amount', ...model.featureNames.slice(1)]);
  await refused(exportOnnx(model), /missing input "extra"/, [...model.featureNames, 'extra']);
});

test('refuses a model without the probability output', async () => {
  const bytes = tamper((m) => {
    const graph = m.graph!;
    const nodes = graph.node!;
    graph.output![0]!.name = 'score';
    nodes[nodes.length - 1]!.output = ['score'];
  });
  await refused(bytes, /missing output "probability"/);
});

test('refuses bytes that are not a model and files that do not exist', async () => {
  await refused(new Uint8Array([1, 2, 3, 4, 5]), /candidate/);
  await refused('/nonexistent/model.onnx', /cannot read/);
});

test('scoreRows checks the matrix size', async () => {
  const loaded = await loadOnnxModel(exportOnnx(model));
  await assert.rejects(scoreRows(loaded.session, loaded.featureNames, new Float32Array(7), 2), ModelError);
  assert.equal((await scoreRows(loaded.session, loaded.featureNames, new Float32Array(0), 0)).length, 0);
  await loaded.session.release();
});
