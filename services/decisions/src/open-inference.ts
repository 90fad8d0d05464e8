/**
 * The Open Inference Protocol v2 (KServe v2, Triton's "predict protocol v2") over HTTP/JSON, as written in
 * kserve/open-inference-protocol specification/protocol/inference_rest.md:
 *
 *   GET  /v2                                        server metadata
 *   GET  /v2/health/live, /v2/health/ready          200 true; 400 false (the v2 health rule: a 4xx is false)
 *   GET  /v2/models/{name}[/versions/{v}]           model metadata: one FP32 [-1, 1] input per feature
 *   GET  /v2/models/{name}[/versions/{v}]/ready     model ready (200 / 400, as the health endpoints)
 *   POST /v2/models/{name}[/versions/{v}]/infer     inference: one input per feature, output `probability`
 *
 * Without a version the champion answers. Versions are the registry's positive integers. Every error body
 * is the spec's {"error": "..."}: 400 for a bad request or version, 404 for an unknown model, version or
 * endpoint, 405 for a wrong method, 413 for a body over the limit, 503 (Retry-After) while no champion is
 * loaded or the registry cannot be read, 500 for anything else (logged, never described to the client).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  BodyTooLarge,
  DependencyError,
  NotFoundError,
  ValidationError,
  readBody,
  sendJson,
  type Logger,
  type RouteHandler,
} from '@riskstream/shared';
import { describeIssues, kindOf, scoreMatrix, toFeatureMatrix, type CellReader, type ColumnTable } from './feature-matrix.ts';
import type { FeatureModel, ModelCatalog } from './model-catalog.ts';

export interface OpenInferenceOptions {
  maxBodyBytes: number;
  serverName?: string;
  serverVersion?: string;
  /** Where a 500's cause goes (the client only learns that it failed). */
  logger?: Logger;
}

/** The one output tensor: the probability of fraud per row. */
export const PROBABILITY_OUTPUT = 'probability';
/** The spec's platform name for an ONNX Runtime model ("<project>_<format>"). */
const PLATFORM = 'onnx_onnxv1';
/** A champion loads, or the registry comes back, within seconds; sooner only retries into another 503. */
const RETRY_AFTER_SECONDS = 5;
const MODELS_PREFIX = '/v2/models/';

type ModelAction = 'metadata' | 'ready' | 'infer';

interface ModelPath {
  readonly name: string;
  readonly version: number | undefined;
  readonly action: ModelAction;
}

interface InferenceRequest {
  readonly id: string | undefined;
  readonly inputs: readonly unknown[];
}

export function openInferenceRoutes(catalog: ModelCatalog, options: OpenInferenceOptions): Record<string, RouteHandler> {
  const serverMetadata: RouteHandler = (_req, res) =>
    sendJson(res, 200, { name: options.serverName ?? 'riskstream-decisions', version: options.serverVersion ?? 'unknown', extensions: [] });
  const fail = (req: IncomingMessage, res: ServerResponse, err: unknown) => answerFailure(req, res, err, options.logger);
  return {
    'GET /v2': serverMetadata,
    'GET /v2/health/live': (_req, res) => sendJson(res, 200, { live: true }),
    // {"ready": bool}: the spec's schema repeats "live" here, a copy slip from the live endpoint.
    'GET /v2/health/ready': (_req, res) => {
      const ready = catalog.isReady(catalog.modelName);
      sendJson(res, ready ? 200 : 400, { ready });
    },
    'GET /v2/*': answering(fail, async (req, res) => {
      const path = pathOf(req);
      if (path === '/v2/') return serverMetadata(req, res);
      const target = parseModelPath(path);
      if (!target) return noEndpoint(req, res);
      if (target.action === 'infer') return wrongMethod(res, 'POST');
      if (target.action === 'ready') return modelReady(catalog, target, res);
      await withModel(catalog, target, (model) => sendJson(res, 200, modelMetadata(model)));
    }),
    'POST /v2/*': answering(fail, async (req, res) => {
      const target = parseModelPath(pathOf(req));
      if (!target) return noEndpoint(req, res);
      if (target.action !== 'infer') return wrongMethod(res, 'GET');
      await infer(catalog, target, req, res, options.maxBodyBytes);
    }),
  };
}

function answering(fail: (req: IncomingMessage, res: ServerResponse, err: unknown) => void, handler: RouteHandler): RouteHandler {
  return async (req, res) => {
    try {
      await handler(req, res);
    } catch (err) {
      fail(req, res, err);
    }
  };
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0]!;
}

/**
 * `/v2/models/{name}[/versions/{version}][/ready|/infer]`, or undefined for any other path under /v2.
 * The name is the first segment, so a model may even be called "versions". A version that is not a
 * positive integer is a bad request (400), not an unknown one: it could never name a registered version.
 */
export function parseModelPath(path: string): ModelPath | undefined {
  if (!path.startsWith(MODELS_PREFIX)) return undefined;
  const [encodedName, ...tail] = path.slice(MODELS_PREFIX.length).split('/');
  if (!encodedName) return undefined;
  let version: number | undefined;
  if (tail[0] === 'versions') {
    if (tail.length < 2) return undefined;
    version = parseVersion(decodeSegment(tail[1]!));
    tail.splice(0, 2);
  }
  const action = actionOf(tail);
  return action === undefined ? undefined : { name: decodeSegment(encodedName), version, action };
}

function actionOf(tail: readonly string[]): ModelAction | undefined {
  if (tail.length === 0) return 'metadata';
  if (tail.length === 1 && (tail[0] === 'ready' || tail[0] === 'infer')) return tail[0];
  return undefined;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ValidationError('PATH_INVALID', [{ path: 'path', problem: 'has a malformed percent-encoding' }]);
  }
}

function parseVersion(text: string): number {
  const version = Number(text);
  if (!/^[1-9][0-9]*$/.test(text) || !Number.isSafeInteger(version)) {
    throw new ValidationError('MODEL_VERSION_INVALID', [{ path: 'model version', problem: `${quoted(text)} is not a positive integer` }]);
  }
  return version;
}

/** Readiness never loads a model (a probe must be cheap): a version not loaded yet answers false. */
function modelReady(catalog: ModelCatalog, target: ModelPath, res: ServerResponse): void {
  if (target.name !== catalog.modelName) throw new NotFoundError('model', `no model named ${quoted(target.name)}`);
  const ready = catalog.isReady(target.name, target.version);
  sendJson(res, ready ? 200 : 400, { name: target.name, ready });
}

function modelMetadata(model: FeatureModel): Record<string, unknown> {
  return {
    name: model.name,
    versions: [String(model.version)],
    platform: PLATFORM,
    inputs: model.featureNames.map((name) => ({ name, datatype: 'FP32', shape: [-1, 1] })),
    outputs: [{ name: PROBABILITY_OUTPUT, datatype: 'FP32', shape: [-1, 1] }],
  };
}

/** Holds a lease for the whole use, the answer included (a hot swap waits for it), and always releases it. */
async function withModel(catalog: ModelCatalog, target: ModelPath, use: (model: FeatureModel) => Promise<void> | void): Promise<void> {
  const lease = await catalog.acquire(target.name, target.version);
  try {
    await use(lease.model);
  } finally {
    lease.release();
  }
}

/** The body is read and checked before a lease is taken: a slow client must not hold up a hot swap. */
async function infer(catalog: ModelCatalog, target: ModelPath, req: IncomingMessage, res: ServerResponse, maxBodyBytes: number): Promise<void> {
  const request = parseInferenceRequest(await readJson(req, maxBodyBytes));
  await withModel(catalog, target, async (model) => {
    const matrix = toFeatureMatrix(model.featureNames, inputTable(request.inputs, model.featureNames));
    const scores = await scoreMatrix(model, matrix);
    sendJson(res, 200, {
      model_name: model.name,
      model_version: String(model.version),
      ...(request.id === undefined ? {} : { id: request.id }),
      outputs: [{ name: PROBABILITY_OUTPUT, datatype: 'FP32', shape: [matrix.rows, 1], data: Array.from(scores) }],
    });
  });
}

async function readJson(req: IncomingMessage, maxBodyBytes: number): Promise<unknown> {
  // A declared length over the limit is refused before reading a byte of it.
  if (Number(req.headers['content-length']) > maxBodyBytes) throw new BodyTooLarge(maxBodyBytes);
  const body = await readBody(req, maxBodyBytes);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    // Not the parser's message: V8 quotes the input in it.
    throw invalid('MALFORMED_JSON', 'body', 'is not valid JSON');
  }
}

function parseInferenceRequest(body: unknown): InferenceRequest {
  if (!isObject(body)) throw invalid('REQUEST_INVALID', 'the request', 'must be a JSON object');
  const { id, inputs, outputs, parameters } = body;
  if (id !== undefined && typeof id !== 'string') throw invalid('REQUEST_INVALID', 'id', `is ${kindOf(id)}, not a string`);
  if (parameters !== undefined && !isObject(parameters)) throw invalid('REQUEST_INVALID', 'parameters', 'must be an object');
  if (!Array.isArray(inputs)) throw invalid('REQUEST_INVALID', 'inputs', 'must be an array of input tensors');
  checkRequestedOutputs(outputs);
  return { id, inputs };
}

/** Absent or empty asks for every output; the only one there is, is `probability`. */
function checkRequestedOutputs(outputs: unknown): void {
  if (outputs === undefined) return;
  if (!Array.isArray(outputs)) throw invalid('REQUEST_INVALID', 'outputs', 'must be an array');
  for (const [index, output] of outputs.entries()) {
    const name = isObject(output) ? output['name'] : undefined;
    if (typeof name !== 'string') throw invalid('REQUEST_INVALID', `outputs[${index}].name`, 'must be a string');
    if (name !== PROBABILITY_OUTPUT) throw invalid('OUTPUT_UNKNOWN', `output ${quoted(name)}`, `is not an output of this model (it has one: ${PROBABILITY_OUTPUT})`);
  }
}

/** The request's input tensors as named columns, each checked against the model's inputs. */
function inputTable(inputs: readonly unknown[], featureNames: readonly string[]): ColumnTable {
  const known = new Set(featureNames);
  const columns = new Map<string, CellReader>();
  let rows: number | undefined;
  let first = '';
  for (const [index, input] of inputs.entries()) {
    const tensor = inputTensor(input, index);
    if (!known.has(tensor.name)) throw invalid('INPUT_UNKNOWN', `input ${quoted(tensor.name)}`, 'is not an input of this model (see its metadata)');
    if (columns.has(tensor.name)) throw invalid('INPUT_INVALID', `input ${quoted(tensor.name)}`, 'is given twice');
    if (rows === undefined) [rows, first] = [tensor.rows, tensor.name];
    else if (tensor.rows !== rows) throw invalid('INPUT_INVALID', `input ${quoted(tensor.name)}`, `has ${tensor.rows} rows where input ${quoted(first)} has ${rows}`);
    const cells = tensor.cells;
    columns.set(tensor.name, (row) => cells[row]);
  }
  return { rows: rows ?? 0, columns };
}

interface InputTensor {
  readonly name: string;
  readonly rows: number;
  /** Row-major, one per row (the tensor is [N, 1] or [N]). */
  readonly cells: readonly unknown[];
}

function inputTensor(input: unknown, index: number): InputTensor {
  if (!isObject(input)) throw invalid('INPUT_INVALID', `inputs[${index}]`, 'must be an object');
  const { name, shape, datatype, data } = input;
  if (typeof name !== 'string') throw invalid('INPUT_INVALID', `inputs[${index}].name`, 'must be a string');
  const label = `input ${quoted(name)}`;
  // FP64 is accepted too: a client in doubles loses nothing the float32 model would have kept.
  if (datatype !== 'FP32' && datatype !== 'FP64') throw invalid('DATATYPE_INVALID', label, `has datatype ${quoted(datatype)}; expected FP32 (or FP64)`);
  const dims = featureShape(label, shape);
  if (!Array.isArray(data)) throw invalid('INPUT_INVALID', label, 'has no data array');
  const cells = flattenTensor(data, dims);
  if (!cells) throw invalid('SHAPE_MISMATCH', label, `has data that does not fill its shape [${dims.join(', ')}]`);
  return { name, rows: dims[0]!, cells };
}

/** [N, 1] or [N]: a feature is one value per row. */
function featureShape(label: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d): d is number => Number.isSafeInteger(d) && d >= 0)) {
    throw invalid('SHAPE_INVALID', label, 'has a shape that is not a list of non-negative integers');
  }
  if (shape.length === 1 || (shape.length === 2 && shape[1] === 1)) return shape;
  throw invalid('SHAPE_INVALID', label, `has shape [${shape.join(', ')}]; expected [N, 1] or [N]`);
}

/**
 * The spec allows a tensor's data flat (row-major, product(shape) elements) or in its natural nested form,
 * which must then match the shape at every level. undefined when the data fits neither.
 */
export function flattenTensor(data: readonly unknown[], shape: readonly number[]): unknown[] | undefined {
  if (!data.some(Array.isArray)) return data.length === shape.reduce((a, b) => a * b, 1) ? [...data] : undefined;
  const out: unknown[] = [];
  return collectNested(data, shape, 0, out) ? out : undefined;
}

function collectNested(node: unknown, shape: readonly number[], depth: number, out: unknown[]): boolean {
  if (depth === shape.length) {
    out.push(node);
    return !Array.isArray(node);
  }
  if (!Array.isArray(node) || node.length !== shape[depth]) return false;
  return node.every((child) => collectNested(child, shape, depth + 1, out));
}

function noEndpoint(req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 404, { error: `no endpoint ${req.method} ${pathOf(req)}` });
}

function wrongMethod(res: ServerResponse, allowed: string): void {
  res.setHeader('allow', allowed);
  sendJson(res, 405, { error: `this endpoint only answers ${allowed}` });
}

function answerFailure(req: IncomingMessage, res: ServerResponse, err: unknown, logger: Logger | undefined): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  if (err instanceof BodyTooLarge) {
    // The rest of the body is not read: closing the connection drops it (it would be parsed as a request).
    res.setHeader('connection', 'close');
    sendJson(res, 413, { error: err.message });
    req.resume();
  } else if (err instanceof ValidationError) {
    sendJson(res, 400, { error: describeIssues(err) });
  } else if (err instanceof NotFoundError) {
    sendJson(res, 404, { error: err.message });
  } else if (err instanceof DependencyError) {
    // Not the dependency's message: it can name internal hosts.
    res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
    sendJson(res, 503, { error: 'no model can be served right now (none loaded yet, or the model registry is unreachable); retry later' });
  } else {
    logger?.error({ err, code: (err as { code?: string }).code }, 'open inference request failed');
    sendJson(res, 500, { error: 'internal error' });
  }
}

function invalid(reason: string, path: string, problem: string): ValidationError {
  return new ValidationError(reason, [{ path, problem }]);
}

/** A client-given name or datatype for an error message: quoted, cut short (it is echoed back). */
function quoted(value: unknown): string {
  return typeof value === 'string' ? `'${value.length > 64 ? `${value.slice(0, 64)}...` : value}'` : kindOf(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
