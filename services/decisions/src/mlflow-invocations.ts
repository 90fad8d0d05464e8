/**
 * The champion behind MLflow's scoring-server API (`mlflow models serve`, mlflow/pyfunc/scoring_server),
 * so clients and tools written for an MLflow endpoint score here unchanged:
 *
 *   POST /invocations    application/json with exactly one of dataframe_split, dataframe_records,
 *                        instances, inputs (a "params" key is ignored: the models take none); or text/csv
 *                        with a header row of column names. Answers {"predictions": [p0, p1, ...]}.
 *   GET  /ping, /health  200 while the champion is loaded; 503 before (MLflow never runs without one)
 *   GET  /version        the version string, as is
 *
 * Columns are matched to the model's features by name, in any order, as MLflow does for a model with a
 * named column signature: a missing feature is an error naming it, an extra column is ignored. A list of
 * lists under instances/inputs has no names: its rows are read in the model's feature order. null, an
 * absent key or an empty CSV cell is NaN, how the models take a missing value.
 *
 * Errors are MLflow's {"error_code", "message"}: 400 BAD_REQUEST for a payload that cannot be read,
 * 400 INVALID_PARAMETER_VALUE for one that does not fit the model (MLflow's schema-enforcement code),
 * 413 and 415 BAD_REQUEST, 503 TEMPORARILY_UNAVAILABLE (Retry-After), 500 INTERNAL_ERROR (logged only).
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
import { describeIssues, kindOf, scoreMatrix, toFeatureMatrix, type CellReader, type ColumnTable, type FeatureMatrix } from './feature-matrix.ts';
import type { ModelCatalog } from './model-catalog.ts';

export interface MlflowOptions {
  maxBodyBytes: number;
  /** What GET /version answers. */
  version: string;
  /** Where a 500's cause goes (the client only learns that it failed). */
  logger?: Logger;
}

const INPUT_FORMATS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;
type InputFormat = (typeof INPUT_FORMATS)[number];

/** In MLflow's order (its 415 message lists them). */
const CONTENT_TYPES: ReadonlyMap<string, 'json' | 'csv'> = new Map([
  ['text/csv', 'csv'],
  ['application/json', 'json'],
]);
/** A champion loads, or the registry comes back, within seconds; sooner only retries into another 503. */
const RETRY_AFTER_SECONDS = 5;
/** The ValidationError reason of a payload that cannot be read at all (BAD_REQUEST, not a schema misfit). */
const PAYLOAD_INVALID = 'PAYLOAD_INVALID';
const REQUIRED_INPUT_FORMAT = `The input must be a JSON dictionary with exactly one of the input fields [${INPUT_FORMATS.map((f) => `'${f}'`).join(', ')}]`;

type Payload = { readonly format: 'json'; readonly body: unknown } | { readonly format: 'csv'; readonly text: string };

export function mlflowRoutes(catalog: ModelCatalog, options: MlflowOptions): Record<string, RouteHandler> {
  const health: RouteHandler = (_req, res) => {
    if (catalog.isReady(catalog.modelName)) return sendText(res, 200, 'application/json', '\n');
    res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
    sendJson(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'no champion model is loaded yet' });
  };
  return {
    'POST /invocations': async (req, res) => {
      try {
        await invocations(catalog, req, res, options.maxBodyBytes);
      } catch (err) {
        answerFailure(req, res, err, options.logger);
      }
    },
    'GET /ping': health,
    'GET /health': health,
    // MLflow answers the bare version (not a JSON string).
    'GET /version': (_req, res) => sendText(res, 200, 'text/plain; charset=utf-8', options.version),
  };
}

/** The body is read before a lease is taken: a slow client must not hold up a hot swap. */
async function invocations(catalog: ModelCatalog, req: IncomingMessage, res: ServerResponse, maxBodyBytes: number): Promise<void> {
  const format = payloadFormat(req.headers['content-type']);
  if (typeof format !== 'string') return sendJson(res, 415, { error_code: 'BAD_REQUEST', message: format.refusal });
  const payload = decodePayload(format, await readText(req, maxBodyBytes));
  const lease = await catalog.acquire(catalog.modelName);
  try {
    const matrix = fitToModel(lease.model.featureNames, payload);
    const scores = await scoreMatrix(lease.model, matrix);
    sendJson(res, 200, { predictions: Array.from(scores) });
  } finally {
    lease.release();
  }
}

/**
 * MLflow's content-type rule: application/json or text/csv; a charset, if given, must be utf-8; any other
 * parameter is refused. An empty parameter ("application/json;", as MLflow's own docs send) is ignored.
 */
export function payloadFormat(header: string | undefined): 'json' | 'csv' | { refusal: string } {
  const [mime = '', ...params] = (header ?? '').split(';').map((part) => part.trim());
  for (const param of params.filter((p) => p !== '')) {
    const [key = '', value = ''] = param.split('=', 2).map((part) => part.trim());
    if (key.toLowerCase() !== 'charset') return { refusal: `Unrecognized content type parameters: ${clip(key)}.` };
    if (value.replace(/"/g, '').toLowerCase() !== 'utf-8') return { refusal: 'The scoring server only supports UTF-8' };
  }
  // A Map: the header is the client's, and a plain object would answer "__proto__" with its prototype.
  const format = CONTENT_TYPES.get(mime.toLowerCase());
  if (format) return format;
  return {
    refusal: `This predictor only supports the following content types: Types: [${[...CONTENT_TYPES.keys()].map((t) => `'${t}'`).join(', ')}]. Got '${clip(header ?? '')}'.`,
  };
}

async function readText(req: IncomingMessage, maxBodyBytes: number): Promise<string> {
  // A declared length over the limit is refused before reading a byte of it.
  if (Number(req.headers['content-length']) > maxBodyBytes) throw new BodyTooLarge(maxBodyBytes);
  return (await readBody(req, maxBodyBytes)).toString('utf8');
}

function decodePayload(format: 'json' | 'csv', text: string): Payload {
  if (format === 'csv') return { format, text };
  try {
    return { format, body: JSON.parse(text) };
  } catch {
    // Not the parser's message: V8 quotes the input in it.
    throw payloadError(`Ensure that input is a valid JSON formatted string. ${REQUIRED_INPUT_FORMAT}.`);
  }
}

/** The model's feature matrix from the payload; a missing feature names every missing one, and the extras. */
function fitToModel(featureNames: readonly string[], payload: Payload): FeatureMatrix {
  const table = payload.format === 'csv' ? csvTable(payload.text) : jsonTable(payload.body, featureNames);
  const missing = featureNames.filter((name) => !table.columns.has(name));
  if (missing.length > 0) {
    const extra = [...table.columns.keys()].filter((name) => !featureNames.includes(name));
    const note = extra.length > 0 ? ` Note that there were extra inputs: ${pyList(extra)}.` : '';
    throw new ValidationError('MODEL_INPUTS_MISSING', [{ path: 'Model', problem: `is missing inputs ${pyList(missing)}.${note}` }]);
  }
  return toFeatureMatrix(featureNames, table);
}

/** Exactly one of the four input keys, as MLflow requires; other keys (e.g. "params") are ignored. */
function jsonTable(body: unknown, featureNames: readonly string[]): ColumnTable {
  if (Array.isArray(body)) throw payloadError(`${REQUIRED_INPUT_FORMAT}. Received a list.`);
  if (!isObject(body)) throw payloadError(`${REQUIRED_INPUT_FORMAT}. Received unexpected input type '${kindOf(body)}'.`);
  const formats = INPUT_FORMATS.filter((key) => Object.hasOwn(body, key));
  if (formats.length !== 1) {
    throw payloadError(`${REQUIRED_INPUT_FORMAT}. Received dictionary with input fields: ${pyList(Object.keys(body).slice(0, 20))}.`);
  }
  const format = formats[0]!;
  return tableOf(format, body[format], featureNames);
}

function tableOf(format: InputFormat, value: unknown, featureNames: readonly string[]): ColumnTable {
  switch (format) {
    case 'dataframe_split':
      return splitTable(value);
    case 'dataframe_records':
      if (!Array.isArray(value) || !value.every(isObject)) throw payloadError('dataframe_records must be a list of records (objects)');
      return recordsTable(value);
    case 'instances':
      return instancesTable(format, value, featureNames);
    case 'inputs':
      return isObject(value) ? columnsTable(value) : instancesTable(format, value, featureNames);
  }
}

/** pandas' "split" orientation: {columns, data: rows, index?}. */
function splitTable(value: unknown): ColumnTable {
  if (!isObject(value)) throw payloadError('dataframe_split must be an object with "columns" and "data"');
  const { columns, data, index } = value;
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) throw payloadError('dataframe_split.columns must be a list of column names');
  if (new Set(columns).size !== columns.length) throw payloadError('dataframe_split.columns names a column twice');
  if (!Array.isArray(data) || !data.every(Array.isArray)) throw payloadError('dataframe_split.data must be a list of rows (lists)');
  const width = data.findIndex((row) => row.length !== columns.length);
  if (width >= 0) throw payloadError(`dataframe_split.data[${width}] has ${data[width]!.length} values for ${columns.length} columns`);
  if (index !== undefined && (!Array.isArray(index) || index.length !== data.length)) throw payloadError('dataframe_split.index must list one label per row');
  return rowsTable(columns, data);
}

/** Records: a column is every key any record has; a record without it has a missing value there. */
function recordsTable(records: readonly Record<string, unknown>[]): ColumnTable {
  const names = new Set(records.flatMap((record) => Object.keys(record)));
  const columns = new Map<string, CellReader>();
  for (const name of names) columns.set(name, (row) => (Object.hasOwn(records[row]!, name) ? records[row]![name] : undefined));
  return { rows: records.length, columns };
}

/** TF Serving's row format: all records, or all lists in the model's feature order. */
function instancesTable(format: InputFormat, value: unknown, featureNames: readonly string[]): ColumnTable {
  if (!Array.isArray(value)) throw payloadError(`${format} must be a list of records or of rows`);
  if (value.every(isObject)) return recordsTable(value);
  if (!value.every(Array.isArray)) throw payloadError(`${format} must be all records (objects) or all rows (lists), not a mix or scalars`);
  const width = value.findIndex((row) => row.length !== featureNames.length);
  if (width >= 0) {
    throw new ValidationError('ROW_WIDTH_INVALID', [
      { path: `${format}[${width}]`, problem: `has ${value[width]!.length} values; the model takes ${featureNames.length} features in this order: ${featureNames.join(', ')}` },
    ]);
  }
  return rowsTable(featureNames, value);
}

/** TF Serving's columnar format: {name: [values]}, every column as long as the others. */
function columnsTable(value: Record<string, unknown>): ColumnTable {
  const entries = Object.entries(value);
  if (!entries.every(([, cells]) => Array.isArray(cells))) throw payloadError('inputs must map each column name to a list of values');
  const lengths = new Set(entries.map(([, cells]) => (cells as unknown[]).length));
  if (lengths.size > 1) throw payloadError('The length of values for each input/column name are not the same');
  const columns = new Map<string, CellReader>(entries.map(([name, cells]) => [name, (row: number) => (cells as unknown[])[row]]));
  return { rows: lengths.size === 0 ? 0 : [...lengths][0]!, columns };
}

function rowsTable(names: readonly string[], rows: readonly (readonly unknown[])[]): ColumnTable {
  return { rows: rows.length, columns: new Map(names.map((name, j) => [name, (row: number) => rows[row]![j]])) };
}

/**
 * pandas.read_csv's reading of a scoring request: a header row of column names, then one row per
 * record; blank lines are skipped, a short row has missing values at its end, a long one is an error.
 * An empty cell is missing; a cell that is no decimal number stays text (then refused as no number).
 */
export function csvTable(text: string): ColumnTable {
  const [header, ...rows] = parseCsv(text.replace(/^\uFEFF/, ''));
  if (!header) throw payloadError('Failed to parse input as a CSV table: no header row');
  if (new Set(header).size !== header.length) throw payloadError('Failed to parse input as a CSV table: the header names a column twice');
  const long = rows.findIndex((row) => row.length > header.length);
  if (long >= 0) throw payloadError(`Failed to parse input as a CSV table: expected ${header.length} fields in data row ${long + 1}, saw ${rows[long]!.length}`);
  return { rows: rows.length, columns: new Map(header.map((name, j) => [name, (row: number) => csvCell(rows[row]![j])])) };
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function csvCell(cell: string | undefined): unknown {
  const text = cell?.trim() ?? '';
  if (text === '') return null;
  return DECIMAL.test(text) ? Number(text) : text;
}

/** RFC 4180: comma-separated, "quoted" fields may hold commas, newlines and "" for a quote; CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') field += text[++i];
      else quoted = false;
    } else if (ch === '"' && field === '') {
      quoted = true;
    } else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      if (record.length > 1 || record[0] !== '') records.push(record);
      [record, field] = [[], ''];
    } else {
      field += ch;
    }
  }
  if (quoted) throw payloadError('Failed to parse input as a CSV table: a quoted field is not closed');
  record.push(field);
  if (record.length > 1 || record[0] !== '') records.push(record);
  return records;
}

function answerFailure(req: IncomingMessage, res: ServerResponse, err: unknown, logger: Logger | undefined): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  if (err instanceof BodyTooLarge) {
    // The rest of the body is not read: closing the connection drops it (it would be parsed as a request).
    res.setHeader('connection', 'close');
    sendJson(res, 413, { error_code: 'BAD_REQUEST', message: err.message });
    req.resume();
  } else if (err instanceof ValidationError) {
    const unreadable = err.reason === PAYLOAD_INVALID;
    sendJson(res, 400, { error_code: unreadable ? 'BAD_REQUEST' : 'INVALID_PARAMETER_VALUE', message: unreadable ? err.issues[0]!.problem : describeIssues(err) });
  } else if (err instanceof NotFoundError) {
    sendJson(res, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: err.message });
  } else if (err instanceof DependencyError) {
    // Not the dependency's message: it can name internal hosts.
    res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
    sendJson(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'no model can be served right now (none loaded yet, or the model registry is unreachable); retry later' });
  } else {
    logger?.error({ err, code: (err as { code?: string }).code }, 'mlflow invocation failed');
    sendJson(res, 500, { error_code: 'INTERNAL_ERROR', message: 'internal error' });
  }
}

/** A payload that cannot be read; its message is a whole sentence (MLflow's style), answered as is. */
function payloadError(message: string): ValidationError {
  return new ValidationError(PAYLOAD_INVALID, [{ path: 'body', problem: message }]);
}

function sendText(res: ServerResponse, status: number, contentType: string, text: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Names as MLflow prints them (a Python list repr), each cut short: they are echoed back to the client. */
function pyList(names: readonly string[]): string {
  return `[${names.map((name) => `'${clip(name)}'`).join(', ')}]`;
}

function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}...` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
