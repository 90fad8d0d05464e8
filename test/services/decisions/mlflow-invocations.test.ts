import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { PassThrough } from 'node:stream';
import { createHttpServer, createLogger, createMetricsRegistry, DependencyError, listen, ModelError, NotFoundError } from '@riskstream/shared';
import { csvTable, mlflowRoutes, parseCsv, payloadFormat } from '../../../services/decisions/src/mlflow-invocations.ts';
import { FEATURES, MISSING, fakeModel, harness, type Harness } from './fake-model-catalog.ts';

const JSON_TYPE = 'application/json';

async function mlflowHarness(t: TestContext, maxBodyBytes = 64 * 1024): Promise<Harness> {
  const h = await harness(t, 'mlflow-test', (catalog, logger) => mlflowRoutes(catalog, { maxBodyBytes, version: '2.17.0', logger }));
  t.after(() => assert.ok(h.catalog.asked.every((a) => a.name === 'fraud' && a.version === undefined), 'MLflow scores the champion'));
  return h;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function invoke(h: Harness, body: unknown, contentType: string | undefined = JSON_TYPE): Promise<Answer> {
  const headers: Record<string, string> = contentType === undefined ? {} : { 'content-type': contentType };
  const res = await fetch(`${h.base}/invocations`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

async function predictions(h: Harness, body: unknown, contentType?: string): Promise<unknown> {
  const res = await invoke(h, body, contentType);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(Object.keys(res.body), ['predictions']);
  return res.body['predictions'];
}

// MLflow's documented curl examples, with our feature names for its "a", "b", "c".

test('docs: split-oriented DataFrame input (dataframe_split)', async (t) => {
  const h = await mlflowHarness(t);
  const body = { dataframe_split: { columns: ['amount', 'merchant_risk', 'tx_count_1h'], data: [[1, 2, 3], [4, 5, 6]] } };
  assert.deepEqual(await predictions(h, body), [321, 654]);
  const withIndex = { dataframe_split: { ...body.dataframe_split, index: [10, 11] } };
  assert.deepEqual(await predictions(h, withIndex), [321, 654], 'pandas to_dict("split") carries an index');
});

test('docs: record-oriented DataFrame input (dataframe_records)', async (t) => {
  const h = await mlflowHarness(t);
  const body = { dataframe_records: [{ amount: 1, merchant_risk: 2, tx_count_1h: 3 }, { amount: 4, merchant_risk: 5, tx_count_1h: 6 }] };
  assert.deepEqual(await predictions(h, body), [321, 654]);
});

test('docs: TF serving "instances" format, as records and as rows in feature order', async (t) => {
  const h = await mlflowHarness(t);
  const records = { instances: [{ amount: 1, merchant_risk: 2, tx_count_1h: 3 }, { tx_count_1h: 6, amount: 4, merchant_risk: 5 }] };
  assert.deepEqual(await predictions(h, records), [321, 654]);
  assert.deepEqual(await predictions(h, { instances: [[1, 2, 3], [4, 5, 6]] }), [321, 654]);
});

test('docs: TF serving "inputs" format, as columns and as rows (the quick-start curl)', async (t) => {
  const h = await mlflowHarness(t);
  const columns = { inputs: { amount: [1, 4, 7], merchant_risk: [2, 5, 8], tx_count_1h: [3, 6, 9] } };
  assert.deepEqual(await predictions(h, columns), [321, 654, 987]);
  // curl ... -H "Content-Type:application/json;" --data '{"inputs": [[1, 2], [3, 4], [5, 6]]}', one column more.
  assert.deepEqual(await predictions(h, '{"inputs": [[1, 2, 0], [3, 4, 0], [5, 6, 0]]}', 'application/json;'), [21, 43, 65]);
});

test('docs: an optional "params" key next to the input is accepted (and ignored: the models take none)', async (t) => {
  const h = await mlflowHarness(t);
  const body = { inputs: { amount: [1], merchant_risk: [2], tx_count_1h: [3] }, params: { max_answer_len: 10 } };
  assert.deepEqual(await predictions(h, body), [321]);
});

test('text/csv: a header row names the columns (any order); an empty cell is missing; quotes and CRLF', async (t) => {
  const h = await mlflowHarness(t);
  assert.deepEqual(await predictions(h, 'tx_count_1h,amount,merchant_risk\n3,1,2\n6,4,5\n', 'text/csv'), [321, 654]);
  assert.deepEqual(await predictions(h, 'amount,merchant_risk,tx_count_1h\r\n1,,3\r\n"4",5,', 'text/csv; charset=utf-8'), [1 + MISSING * 10 + 300, 4 + 50 + MISSING * 100]);
  // pandas.DataFrame.to_csv() writes the index as a first, unnamed column: an extra column, ignored.
  assert.deepEqual(await predictions(h, ',amount,merchant_risk,tx_count_1h\n0,1,2,3\n1,1.5e1,0,0\n', 'text/csv'), [321, 15]);
});

test('columns are matched by name in any order; extra columns are ignored; null and absent keys are NaN', async (t) => {
  const h = await mlflowHarness(t);
  const reordered = { dataframe_split: { columns: ['tx_count_1h', 'note', 'amount', 'merchant_risk'], data: [[3, 'x', 1, 2]] } };
  assert.deepEqual(await predictions(h, reordered), [321]);
  const gaps = { dataframe_records: [{ amount: null, merchant_risk: 2, tx_count_1h: 3 }, { amount: 1, tx_count_1h: 3 }, { merchant_risk: 0, extra: true }] };
  assert.deepEqual(await predictions(h, gaps), [MISSING + 320, 1 + MISSING * 10 + 300, MISSING + MISSING * 100]);
  assert.deepEqual(h.catalog.calls, [1, 3]);
});

test('zero rows answer no predictions without calling the model', async (t) => {
  const h = await mlflowHarness(t);
  assert.deepEqual(await predictions(h, { dataframe_split: { columns: FEATURES, data: [] } }), []);
  assert.deepEqual(await predictions(h, 'amount,merchant_risk,tx_count_1h\n', 'text/csv'), []);
  assert.deepEqual(h.catalog.calls, []);
});

const KEYS = "['dataframe_split', 'dataframe_records', 'instances', 'inputs']";

test('400 BAD_REQUEST naming the accepted keys: none of them, two of them, a list, a scalar, malformed JSON', async (t) => {
  const h = await mlflowHarness(t);
  const cases: Array<[unknown, string]> = [
    [{ data: [[1, 2, 3]] }, `The input must be a JSON dictionary with exactly one of the input fields ${KEYS}. Received dictionary with input fields: ['data'].`],
    [{ instances: [[1, 2, 3]], inputs: [[1, 2, 3]] }, `The input must be a JSON dictionary with exactly one of the input fields ${KEYS}. Received dictionary with input fields: ['instances', 'inputs'].`],
    [[{ amount: 1 }], `The input must be a JSON dictionary with exactly one of the input fields ${KEYS}. Received a list.`],
    ['42', `The input must be a JSON dictionary with exactly one of the input fields ${KEYS}. Received unexpected input type 'a number'.`],
    ['{"dataframe_split": {"columns": [secret', `Ensure that input is a valid JSON formatted string. The input must be a JSON dictionary with exactly one of the input fields ${KEYS}.`],
  ];
  for (const [body, message] of cases) {
    const res = await invoke(h, body);
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error_code: 'BAD_REQUEST', message });
  }
  assert.deepEqual(h.catalog.calls, []);
});

test('400 BAD_REQUEST for a payload whose format does not hold', async (t) => {
  const h = await mlflowHarness(t);
  const cases: Array<[unknown, string]> = [
    [{ dataframe_split: [[1, 2, 3]] }, 'dataframe_split must be an object with "columns" and "data"'],
    [{ dataframe_split: { data: [[1, 2, 3]] } }, 'dataframe_split.columns must be a list of column names'],
    [{ dataframe_split: { columns: ['amount', 'amount'], data: [] } }, 'dataframe_split.columns names a column twice'],
    [{ dataframe_split: { columns: FEATURES, data: [1, 2, 3] } }, 'dataframe_split.data must be a list of rows (lists)'],
    [{ dataframe_split: { columns: FEATURES, data: [[1, 2, 3], [4, 5]] } }, 'dataframe_split.data[1] has 2 values for 3 columns'],
    [{ dataframe_split: { columns: FEATURES, data: [[1, 2, 3]], index: [0, 1] } }, 'dataframe_split.index must list one label per row'],
    [{ dataframe_records: { amount: 1 } }, 'dataframe_records must be a list of records (objects)'],
    [{ instances: [[1, 2, 3], { amount: 1 }] }, 'instances must be all records (objects) or all rows (lists), not a mix or scalars'],
    [{ instances: 'x' }, 'instances must be a list of records or of rows'],
    [{ inputs: { amount: [1, 2], merchant_risk: [1], tx_count_1h: [1, 2] } }, 'The length of values for each input/column name are not the same'],
    [{ inputs: { amount: 1, merchant_risk: 2, tx_count_1h: 3 } }, 'inputs must map each column name to a list of values'],
  ];
  for (const [body, message] of cases) {
    const res = await invoke(h, body);
    assert.equal(res.status, 400, message);
    assert.deepEqual(res.body, { error_code: 'BAD_REQUEST', message });
  }
  const csv: Array<[string, string]> = [
    ['', 'Failed to parse input as a CSV table: no header row'],
    ['amount,amount\n1,2', 'Failed to parse input as a CSV table: the header names a column twice'],
    ['amount,merchant_risk,tx_count_1h\n1,2,3,4', 'Failed to parse input as a CSV table: expected 3 fields in data row 1, saw 4'],
    ['amount,merchant_risk,tx_count_1h\n"1,2,3', 'Failed to parse input as a CSV table: a quoted field is not closed'],
  ];
  for (const [body, message] of csv) {
    const res = await invoke(h, body, 'text/csv');
    assert.equal(res.status, 400, message);
    assert.deepEqual(res.body, { error_code: 'BAD_REQUEST', message });
  }
});

test('400 INVALID_PARAMETER_VALUE when the payload does not fit the model: missing features, non-numbers, row width', async (t) => {
  const h = await mlflowHarness(t);
  const cases: Array<[unknown, string | undefined, string]> = [
    [{ dataframe_records: [{ amount: 1, foo: 2 }] }, JSON_TYPE, "Model is missing inputs ['merchant_risk', 'tx_count_1h']. Note that there were extra inputs: ['foo']."],
    [{ dataframe_records: [] }, JSON_TYPE, "Model is missing inputs ['amount', 'merchant_risk', 'tx_count_1h']."],
    ['merchant_risk,tx_count_1h\n1,2', 'text/csv', "Model is missing inputs ['amount']."],
    [{ dataframe_split: { columns: FEATURES, data: [[1, 2, 3], ['12.5', 2, 3]] } }, JSON_TYPE, 'amount[1] is a string, not a number'],
    [{ instances: [{ amount: 1, merchant_risk: true, tx_count_1h: 3 }] }, JSON_TYPE, 'merchant_risk[0] is a boolean, not a number'],
    [{ inputs: { amount: [1], merchant_risk: [2], tx_count_1h: [[1, 2, 3]] } }, JSON_TYPE, 'tx_count_1h[0] is an array, not a number'],
    ['amount,merchant_risk,tx_count_1h\n1,2,abc', 'text/csv', 'tx_count_1h[0] is a string, not a number'],
    [{ instances: [[1, 2, 3], [1, 2]] }, JSON_TYPE, 'instances[1] has 2 values; the model takes 3 features in this order: amount, merchant_risk, tx_count_1h'],
    [{ inputs: [[1, 2, 3, 4]] }, JSON_TYPE, 'inputs[0] has 4 values; the model takes 3 features in this order: amount, merchant_risk, tx_count_1h'],
  ];
  for (const [body, contentType, message] of cases) {
    const res = await invoke(h, body, contentType);
    assert.equal(res.status, 400, message);
    assert.deepEqual(res.body, { error_code: 'INVALID_PARAMETER_VALUE', message });
  }
  assert.deepEqual(h.catalog.calls, []);
});

test("415 in MLflow's words for another content type, another charset or an unknown parameter", async (t) => {
  const h = await mlflowHarness(t);
  const body = JSON.stringify({ instances: [[1, 2, 3]] });
  const cases: Array<[string | undefined, string]> = [
    ['text/plain', "This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got 'text/plain'."],
    // The docs' CSV example sends application/csv; MLflow's server refuses it too.
    ['application/csv', "This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got 'application/csv'."],
    [undefined, "This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got ''."],
    ['application/json; charset=latin-1', 'The scoring server only supports UTF-8'],
    ['application/json; format=pandas-records', 'Unrecognized content type parameters: format.'],
  ];
  for (const [contentType, message] of cases) {
    // Bytes, not a string: fetch labels a string body text/plain itself.
    const res = await fetch(`${h.base}/invocations`, { method: 'POST', body: Buffer.from(body), headers: contentType ? { 'content-type': contentType } : {} });
    assert.equal(res.status, 415, String(contentType));
    assert.deepEqual(await res.json(), { error_code: 'BAD_REQUEST', message });
  }
  assert.deepEqual(await predictions(h, body, 'Application/JSON; Charset="UTF-8"'), [321], 'media types and charsets are case-insensitive');
  assert.equal(h.catalog.acquired, 1);
});

test('413 BAD_REQUEST for a body over the limit, declared or chunked', async (t) => {
  const h = await mlflowHarness(t, 1_000);
  const res = await invoke(h, { instances: Array.from({ length: 200 }, () => [1, 2, 3]) });
  assert.equal(res.status, 413);
  assert.deepEqual(res.body, { error_code: 'BAD_REQUEST', message: 'request body exceeds 1000 bytes' });
  const chunked = await new Promise<number>((resolve, reject) => {
    const req = request(`${h.base}/invocations`, { method: 'POST', headers: { 'content-type': 'text/csv', 'transfer-encoding': 'chunked' } }, (r) => {
      r.resume();
      resolve(r.statusCode!);
    });
    req.on('error', reject);
    for (let i = 0; i < 10; i++) req.write(Buffer.alloc(200, 0x31));
    req.end();
  });
  assert.equal(chunked, 413);
  assert.equal(h.catalog.acquired, 0);
});

test('503 TEMPORARILY_UNAVAILABLE with Retry-After while no champion is loaded; /ping and /health say so too', async (t) => {
  const h = await mlflowHarness(t);
  for (const path of ['/ping', '/health']) {
    const ok = await fetch(`${h.base}${path}`);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), '\n');
  }
  h.catalog.champion = undefined;
  const res = await invoke(h, { instances: [[1, 2, 3]] });
  assert.equal(res.status, 503);
  assert.equal(res.headers.get('retry-after'), '5');
  assert.equal(res.body['error_code'], 'TEMPORARILY_UNAVAILABLE');
  assert.doesNotMatch(String(res.body['message']), /10\.1\.2\.3/, 'the dependency detail stays in the process');
  for (const path of ['/ping', '/health']) {
    const down = await fetch(`${h.base}${path}`);
    assert.equal(down.status, 503);
    assert.equal(down.headers.get('retry-after'), '5');
    assert.deepEqual(await down.json(), { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'no champion model is loaded yet' });
  }
});

test('GET /version answers the version string as is', async (t) => {
  const h = await mlflowHarness(t);
  const res = await fetch(`${h.base}/version`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '2.17.0');
});

test('500 INTERNAL_ERROR with a generic message when the model fails (logged with its code); 404 for a NotFoundError', async (t) => {
  const h = await mlflowHarness(t);
  h.catalog.champion = { ...fakeModel(3, FEATURES, []), score: async () => Promise.reject(new ModelError('fraud v3', 'session is closed')) };
  const res = await invoke(h, { instances: [[1, 2, 3]] });
  assert.equal(res.status, 500);
  assert.deepEqual(res.body, { error_code: 'INTERNAL_ERROR', message: 'internal error' });
  assert.equal(h.catalog.released, 1);
  assert.equal(h.logs.length, 1);
  assert.match(h.logs[0]!, /"code":"MODEL_INVALID"/);
  h.catalog.failWith = new NotFoundError('model', 'fraud is not registered');
  const gone = await invoke(h, { instances: [[1, 2, 3]] });
  assert.equal(gone.status, 404);
  assert.deepEqual(gone.body, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'model: fraud is not registered' });
});

test('payloadFormat, parseCsv and csvTable on their own', () => {
  assert.equal(payloadFormat('application/json'), 'json');
  assert.equal(payloadFormat('text/csv;charset=utf-8'), 'csv');
  // Found by the property test: names of Object.prototype's members are content types like any other.
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    assert.match((payloadFormat(name) as { refusal: string }).refusal, /^This predictor only supports the following content types: Types: \['text\/csv', 'application\/json'\]\. Got '/, name);
  }
  assert.deepEqual(parseCsv('a,b\n"x, ""y""",\n\n"multi\nline",2'), [['a', 'b'], ['x, "y"', ''], ['multi\nline', '2']]);
  const table = csvTable('\uFEFFamount,merchant_risk\n1\n');
  assert.deepEqual([...table.columns.keys()], ['amount', 'merchant_risk'], 'a byte-order mark is not part of the first name');
  assert.deepEqual([table.columns.get('amount')!(0), table.columns.get('merchant_risk')!(0)], [1, null], 'a short row has missing values at its end');
});
