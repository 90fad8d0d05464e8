import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { PassThrough } from 'node:stream';
import { createHttpServer, createLogger, createMetricsRegistry, DependencyError, listen, ModelError, NotFoundError } from '@riskstream/shared';
import { flattenTensor, openInferenceRoutes, parseModelPath } from '../../../services/decisions/src/open-inference.ts';
import { FEATURES, MISSING, fakeModel, harness, type Harness } from './fake-model-catalog.ts';

async function oipHarness(t: TestContext, maxBodyBytes = 64 * 1024): Promise<Harness> {
  return harness(t, 'oip-test', (catalog, logger) => openInferenceRoutes(catalog, { maxBodyBytes, serverName: 'riskstream-decisions', serverVersion: '1.2.3', logger }));
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function call(h: Harness, method: string, path: string, body?: unknown): Promise<Answer> {
  const init: RequestInit = { method, headers: { 'content-type': 'application/json' } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${h.base}${path}`, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

const infer = (h: Harness, body: unknown, path = '/v2/models/fraud/infer') => call(h, 'POST', path, body);

function tensor(name: string, data: unknown[], shape: number[] = [data.length, 1], datatype = 'FP32') {
  return { name, shape, datatype, data };
}

/** Rows (amount, merchant_risk, tx_count_1h) as one [N, 1] FP32 input per feature. */
function inputsFor(rows: number[][]) {
  return FEATURES.map((name, j) => tensor(name, rows.map((row) => row[j])));
}

function probabilities(answer: Answer): unknown {
  const outputs = answer.body['outputs'] as Array<Record<string, unknown>>;
  assert.equal(outputs.length, 1);
  return outputs[0]!['data'];
}

test('GET /v2 and /v2/: server metadata (name, version, extensions)', async (t) => {
  const h = await oipHarness(t);
  for (const path of ['/v2', '/v2/']) {
    const res = await call(h, 'GET', path);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { name: 'riskstream-decisions', version: '1.2.3', extensions: [] });
  }
});

test('health: live is always 200; ready is 200 with a champion, 400 (a 4xx is false) without one', async (t) => {
  const h = await oipHarness(t);
  assert.deepEqual(await call(h, 'GET', '/v2/health/live').then((r) => [r.status, r.body]), [200, { live: true }]);
  assert.deepEqual(await call(h, 'GET', '/v2/health/ready').then((r) => [r.status, r.body]), [200, { ready: true }]);
  h.catalog.champion = undefined;
  assert.deepEqual(await call(h, 'GET', '/v2/health/ready').then((r) => [r.status, r.body]), [400, { ready: false }]);
  assert.equal((await call(h, 'GET', '/v2/health/live')).status, 200);
});

test('model metadata: one FP32 [-1, 1] input per feature in model order, output probability', async (t) => {
  const h = await oipHarness(t);
  const champion = await call(h, 'GET', '/v2/models/fraud');
  assert.equal(champion.status, 200);
  assert.deepEqual(champion.body, {
    name: 'fraud',
    versions: ['3'],
    platform: 'onnx_onnxv1',
    inputs: [
      { name: 'amount', datatype: 'FP32', shape: [-1, 1] },
      { name: 'merchant_risk', datatype: 'FP32', shape: [-1, 1] },
      { name: 'tx_count_1h', datatype: 'FP32', shape: [-1, 1] },
    ],
    outputs: [{ name: 'probability', datatype: 'FP32', shape: [-1, 1] }],
  });
  const v2 = await call(h, 'GET', '/v2/models/fraud/versions/2');
  assert.equal(v2.status, 200);
  assert.deepEqual(v2.body['versions'], ['2']);
  assert.deepEqual((v2.body['inputs'] as Array<{ name: string }>).map((i) => i.name), ['tx_count_1h', 'merchant_risk', 'amount']);
  assert.equal(h.catalog.acquired, 2);
});

test('model ready: 200 when loaded, 400 for a version not loaded yet (never loads it), 404 for another model', async (t) => {
  const h = await oipHarness(t);
  assert.deepEqual(await call(h, 'GET', '/v2/models/fraud/ready').then((r) => [r.status, r.body]), [200, { name: 'fraud', ready: true }]);
  assert.deepEqual(await call(h, 'GET', '/v2/models/fraud/versions/2/ready').then((r) => [r.status, r.body]), [400, { name: 'fraud', ready: false }]);
  h.catalog.loaded.add(2);
  assert.deepEqual(await call(h, 'GET', '/v2/models/fraud/versions/2/ready').then((r) => [r.status, r.body]), [200, { name: 'fraud', ready: true }]);
  const other = await call(h, 'GET', '/v2/models/other/ready');
  assert.equal(other.status, 404);
  assert.match(String(other.body['error']), /other/);
  assert.equal(h.catalog.acquired, 0, 'readiness takes no lease and loads nothing');
});

test("the spec's inference example (id 42, outputs [output0 -> probability]): id echoed, [N, 1] FP32 output", async (t) => {
  const h = await oipHarness(t);
  const res = await infer(h, { id: '42', inputs: inputsFor([[1, 2, 3], [4, 5, 6]]), outputs: [{ name: 'probability' }] });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, {
    model_name: 'fraud',
    model_version: '3',
    id: '42',
    outputs: [{ name: 'probability', datatype: 'FP32', shape: [2, 1], data: [321, 654] }],
  });
  const noId = await infer(h, { inputs: inputsFor([[1, 2, 3]]) });
  assert.equal(noId.status, 200);
  assert.equal('id' in noId.body, false, 'no id in the request, none in the answer');
  assert.deepEqual(probabilities(noId), [321]);
});

test("the spec's tensor data example: natural (nested) and flattened data are the same tensor; [N] and FP64 accepted", async (t) => {
  const h = await oipHarness(t);
  const flat = await infer(h, { inputs: [tensor('amount', [1, 4]), tensor('merchant_risk', [2, 5]), tensor('tx_count_1h', [3, 6])] });
  const nested = await infer(h, { inputs: [tensor('amount', [[1], [4]]), tensor('merchant_risk', [[2], [5]], [2, 1], 'FP64'), tensor('tx_count_1h', [3, 6], [2])] });
  assert.equal(flat.status, 200);
  assert.equal(nested.status, 200);
  assert.deepEqual(probabilities(flat), [321, 654]);
  assert.deepEqual(probabilities(nested), [321, 654]);
});

test('inputs are matched by name, in any order; a version path scores that version (its own feature order)', async (t) => {
  const h = await oipHarness(t);
  const shuffled = await infer(h, { inputs: [tensor('tx_count_1h', [3]), tensor('amount', [1]), tensor('merchant_risk', [2])] });
  assert.deepEqual(probabilities(shuffled), [321]);
  const v2 = await infer(h, { inputs: inputsFor([[1, 2, 3]]) }, '/v2/models/fraud/versions/2/infer');
  assert.equal(v2.status, 200);
  assert.equal(v2.body['model_version'], '2');
  assert.deepEqual(probabilities(v2), [3 + 20 + 100], 'v2 weighs tx_count_1h first');
});

test('null is a missing value (NaN to the model); values are rounded to float32; an empty batch skips the model', async (t) => {
  const h = await oipHarness(t);
  const res = await infer(h, { inputs: [tensor('amount', [0.1]), tensor('merchant_risk', [null]), tensor('tx_count_1h', [0])] });
  assert.deepEqual(probabilities(res), [Math.fround(Math.fround(0.1) + MISSING * 10)]);
  assert.notEqual(Math.fround(Math.fround(0.1) + MISSING * 10), 70.1, 'the assertion can tell float32 from float64');
  const empty = await infer(h, { inputs: inputsFor([]) });
  assert.equal(empty.status, 200);
  assert.deepEqual((empty.body['outputs'] as unknown[])[0], { name: 'probability', datatype: 'FP32', shape: [0, 1], data: [] });
  assert.deepEqual(h.catalog.calls, [1], 'the empty batch did not reach the model');
});

test("400: the spec's own example request (UINT32 input0, BOOL input1) names an input this model does not take", async (t) => {
  const h = await oipHarness(t);
  const res = await infer(h, {
    id: '42',
    inputs: [
      { name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [1, 2, 3, 4] },
      { name: 'input1', shape: [3], datatype: 'BOOL', data: [true] },
    ],
    outputs: [{ name: 'output0' }],
  });
  assert.equal(res.status, 400);
  assert.deepEqual(Object.keys(res.body), ['error']);
  assert.match(String(res.body['error']), /output 'output0' is not an output of this model/);
});

const BAD_REQUESTS: Array<[string, unknown, RegExp]> = [
  ['a missing feature', { inputs: inputsFor([[1, 2, 3]]).slice(0, 2) }, /^tx_count_1h is missing$/],
  ['an unknown input', { inputs: [...inputsFor([[1, 2, 3]]), tensor('card_number', [1])] }, /input 'card_number' is not an input of this model/],
  ['an input given twice', { inputs: [...inputsFor([[1, 2, 3]]), tensor('amount', [1])] }, /input 'amount' is given twice/],
  ['a [2, 2] shape', { inputs: [tensor('amount', [1, 2, 3, 4], [2, 2])] }, /input 'amount' has shape \[2, 2\]; expected \[N, 1\] or \[N\]/],
  ['a negative dimension', { inputs: [tensor('amount', [1], [-1, 1])] }, /input 'amount' has a shape that is not a list of non-negative integers/],
  ['data shorter than the shape', { inputs: [tensor('amount', [1, 2], [3, 1])] }, /input 'amount' has data that does not fill its shape \[3, 1\]/],
  ['nested data off the shape', { inputs: [tensor('amount', [[1, 2]], [1, 1])] }, /input 'amount' has data that does not fill its shape \[1, 1\]/],
  ['nested data for a [N] shape', { inputs: [tensor('amount', [[1]], [1])] }, /input 'amount' has data that does not fill its shape \[1\]/],
  ['an INT64 datatype', { inputs: [tensor('amount', [1], [1, 1], 'INT64')] }, /input 'amount' has datatype 'INT64'; expected FP32 \(or FP64\)/],
  ['no datatype', { inputs: [{ name: 'amount', shape: [1, 1], data: [1] }] }, /input 'amount' has datatype undefined/],
  ['a string value', { inputs: [tensor('amount', ['12.5']), tensor('merchant_risk', [1]), tensor('tx_count_1h', [1])] }, /^amount\[0\] is a string, not a number$/],
  ['a boolean value', { inputs: [tensor('amount', [1]), tensor('merchant_risk', [true]), tensor('tx_count_1h', [1])] }, /^merchant_risk\[0\] is a boolean, not a number$/],
  ['inputs of different N', { inputs: [tensor('amount', [1, 2]), tensor('merchant_risk', [1])] }, /input 'merchant_risk' has 1 rows where input 'amount' has 2/],
  ['an output other than probability', { inputs: inputsFor([[1, 2, 3]]), outputs: [{ name: 'score' }] }, /output 'score' is not an output of this model \(it has one: probability\)/],
  ['a numeric id', { id: 42, inputs: inputsFor([[1, 2, 3]]) }, /^id is a number, not a string$/],
  ['no inputs', { id: '1' }, /^inputs must be an array of input tensors$/],
  ['an array body', [inputsFor([[1, 2, 3]])], /^the request must be a JSON object$/],
  ['an input without a name', { inputs: [{ shape: [1], datatype: 'FP32', data: [1] }] }, /^inputs\[0\]\.name must be a string$/],
];

for (const [what, body, error] of BAD_REQUESTS) {
  test(`400 {"error"}: ${what}`, async (t) => {
    const h = await oipHarness(t);
    const res = await infer(h, body);
    assert.equal(res.status, 400);
    assert.deepEqual(Object.keys(res.body), ['error']);
    assert.match(String(res.body['error']), error);
    assert.deepEqual(h.catalog.calls, [], 'nothing reached the model');
  });
}

test('400: malformed JSON, without quoting the body back', async (t) => {
  const h = await oipHarness(t);
  const res = await infer(h, '{"inputs": [secret-value');
  assert.equal(res.status, 400);
  assert.deepEqual(res.body, { error: 'body is not valid JSON' });
  assert.equal(h.catalog.acquired, 0, 'no lease for a body that does not parse');
});

test('404 for an unknown model or version, 400 for a version that is not a positive integer', async (t) => {
  const h = await oipHarness(t);
  const unknownModel = await infer(h, { inputs: inputsFor([[1, 2, 3]]) }, '/v2/models/other/infer');
  assert.equal(unknownModel.status, 404);
  assert.match(String(unknownModel.body['error']), /no registered model 'other'/);
  const unknownVersion = await call(h, 'GET', '/v2/models/fraud/versions/9');
  assert.equal(unknownVersion.status, 404);
  assert.match(String(unknownVersion.body['error']), /fraud has no version 9/);
  for (const version of ['0', '-1', '1.5', 'v10', '01', '99999999999999999999']) {
    const res = await infer(h, { inputs: inputsFor([[1, 2, 3]]) }, `/v2/models/fraud/versions/${version}/infer`);
    assert.equal(res.status, 400, version);
    assert.deepEqual(res.body, { error: `model version '${version}' is not a positive integer` });
  }
});

test('404 for any other path under /v2, 405 (with Allow) for the wrong method', async (t) => {
  const h = await oipHarness(t);
  for (const path of ['/v2/models/fraud/explain', '/v2/models/', '/v2/models/fraud/versions', '/v2/repository/index', '/v2/models/fraud/']) {
    const res = await call(h, 'GET', path);
    assert.equal(res.status, 404, path);
    assert.deepEqual(res.body, { error: `no endpoint GET ${path}` });
  }
  const getInfer = await call(h, 'GET', '/v2/models/fraud/infer');
  assert.equal(getInfer.status, 405);
  assert.equal(getInfer.headers.get('allow'), 'POST');
  const postMetadata = await call(h, 'POST', '/v2/models/fraud/versions/2', {});
  assert.equal(postMetadata.status, 405);
  assert.equal(postMetadata.headers.get('allow'), 'GET');
  assert.equal((await call(h, 'POST', '/v2/health/live', {})).status, 404);
});

test('percent-encoded names are decoded; a malformed encoding is a 400', async (t) => {
  assert.deepEqual(parseModelPath('/v2/models/fr%61ud/versions/2/infer'), { name: 'fraud', version: 2, action: 'infer' });
  assert.deepEqual(parseModelPath('/v2/models/versions/ready'), { name: 'versions', version: undefined, action: 'ready' });
  const h = await oipHarness(t);
  const res = await call(h, 'GET', '/v2/models/fr%61ud');
  assert.equal(res.status, 200);
  const bad = await call(h, 'GET', '/v2/models/%E0%A4%A');
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body, { error: 'path has a malformed percent-encoding' });
});

test('flattenTensor: flat when no element is an array, else the nested form must match the shape at every level', () => {
  assert.deepEqual(flattenTensor([1, 2, 4, 5], [2, 2]), [1, 2, 4, 5]);
  assert.deepEqual(flattenTensor([[1, 2], [4, 5]], [2, 2]), [1, 2, 4, 5]);
  assert.equal(flattenTensor([[1, 2], [4]], [2, 2]), undefined);
  assert.equal(flattenTensor([[1, 2], 4, 5], [2, 2]), undefined);
  assert.equal(flattenTensor([[[1]], [[2]]], [2, 1]), undefined);
  assert.equal(flattenTensor([1, 2, 3], [2, 2]), undefined);
});

test('413 {"error"} for a body over the limit, declared or chunked; nothing reaches the catalog', async (t) => {
  const h = await oipHarness(t, 2_000);
  const big = { inputs: [tensor('amount', Array.from({ length: 1_000 }, (_, i) => i))] };
  const declared = await infer(h, big);
  assert.equal(declared.status, 413);
  assert.deepEqual(declared.body, { error: 'request body exceeds 2000 bytes' });

  const chunked = await new Promise<number>((resolve, reject) => {
    const req = request(`${h.base}/v2/models/fraud/infer`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    for (let i = 0; i < 10; i++) req.write(Buffer.alloc(500, 0x20));
    req.end();
  });
  assert.equal(chunked, 413);
  assert.equal(h.catalog.acquired, 0);
});

test('503 with Retry-After while no champion is loaded, without the dependency detail', async (t) => {
  const h = await oipHarness(t);
  h.catalog.champion = undefined;
  for (const res of [await infer(h, { inputs: inputsFor([[1, 2, 3]]) }), await call(h, 'GET', '/v2/models/fraud')]) {
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '5');
    assert.match(String(res.body['error']), /retry later/);
    assert.doesNotMatch(String(res.body['error']), /10\.1\.2\.3/);
  }
  // A pinned version still answers.
  assert.equal((await infer(h, { inputs: inputsFor([[1, 2, 3]]) }, '/v2/models/fraud/versions/2/infer')).status, 200);
});

test('500 with a generic message when the model fails (logged with its code); the lease is still released', async (t) => {
  const h = await oipHarness(t);
  h.catalog.champion = { ...fakeModel(3, FEATURES, []), score: async () => Promise.reject(new ModelError('fraud v3', 'session is closed')) };
  const res = await infer(h, { inputs: inputsFor([[1, 2, 3]]) });
  assert.equal(res.status, 500);
  assert.deepEqual(res.body, { error: 'internal error' });
  assert.equal(h.catalog.released, 1);
  assert.equal(h.logs.length, 1);
  assert.match(h.logs[0]!, /"code":"MODEL_INVALID"/);

  h.catalog.champion = { ...fakeModel(3, FEATURES, []), score: async () => new Float32Array(1) };
  const short = await infer(h, { inputs: inputsFor([[1, 2, 3], [4, 5, 6]]) });
  assert.equal(short.status, 500, 'a model that answers the wrong number of rows is an error, not a short reply');
  assert.match(h.logs[1]!, /scored 1 rows for a batch of 2/);

  h.catalog.failWith = new Error('catalog bug');
  assert.equal((await call(h, 'GET', '/v2/models/fraud')).status, 500);
});
