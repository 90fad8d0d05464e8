import { createHash, createHmac } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import {
  archivedOffsets,
  ConfigError,
  eventDateOf,
  field,
  importFileName,
  LABEL_COLUMNS,
  labelRow,
  listPartitions,
  loadConfig,
  NotFoundError,
  OFFLINE_TABLES,
  OfflineStoreQuery,
  OfflineStoreWriter,
  transactionColumns,
  transactionRow,
  UsageError,
  ValidationError,
  type OfflineRow,
  type OfflineTableName,
  type ValidationIssue,
} from '@riskstream/shared';
import { FEATURE_SET_VERSION, TERMINAL_DELAY_DAYS } from '@riskstream/shared/features';
import { featurizeOffline } from '@riskstream/training';
import { parseCommandArgs, type Command, type CommandIo } from '../command.ts';
import { createProgress, type ProgressFn } from '../progress-bar.ts';
import { devCardTokenKeys } from '../services/service-processes.ts';
import { loadStackConfig, REPO_ROOT } from '../stack/stack-config.ts';
import { StackDir } from '../stack/stack-dir.ts';

const USAGE = `Usage:
  riskstream offline import --csv FILE [--root DIR] [--label-delay-days N] [--quiet]
  riskstream offline ls [--root DIR] [--json]

The offline store is partitioned Parquet (DuckDB-readable) by the UTC date of each transaction:
  <root>/transactions/event_date=YYYY-MM-DD/*.parquet   transactions + point-in-time features
  <root>/labels/event_date=YYYY-MM-DD/*.parquet         fraud labels (in their transaction's date)
  <root>/scores/event_date=YYYY-MM-DD/*.parquet         scoring results (archiver only)
The archiver service fills it from Kafka; \`import\` is the batch path for a simulator CSV.

import: reads a CSV in the format \`riskstream simulate --out\` writes, computes the features with the
  offline featuriser (the same definitions and point-in-time replay as the streaming feature service),
  pseudonymises card numbers like ingest does (HMAC-SHA256 with CARD_TOKEN_KEYS/CARD_TOKEN_ACTIVE_KEY,
  else the dev stack's key), and writes one file per date and table named after the CSV's content hash:
  importing the same file again replaces its files instead of duplicating rows. Every transaction gets
  a label, known --label-delay-days after the transaction (default ${TERMINAL_DELAY_DAYS}, the handbook's delay).
ls: partitions per table with file and row counts, and the highest archived offset per topic partition.

Options:
  --csv FILE               simulator CSV to import
  --root DIR               offline store root (default: $OFFLINE_STORE_DIR or .riskstream/offline)
  --label-delay-days N     days between a transaction and its label becoming known (default ${TERMINAL_DELAY_DAYS})
  --json                   machine-readable output (ls)
  --quiet                  no progress output
  -h, --help               this help`;

const DAY_MS = 86_400_000;
const REQUIRED_COLUMNS = ['transaction_id', 'event_time', 'customer_id', 'terminal_id', 'card_number', 'amount', 'currency', 'channel', 'is_fraud'] as const;

export const offlineCommand: Command = {
  name: 'offline',
  summary: 'the offline store: import a simulator CSV as partitioned Parquet, list partitions',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      csv: { type: 'string' },
      root: { type: 'string' },
      'label-delay-days': { type: 'string' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
    });
    if (values.help || positionals.length === 0) {
      io.stdout.write(`${USAGE}\n`);
      return values.help ? 0 : 2;
    }
    const env = loadConfig(
      { offlineStoreDir: field.string({ env: 'OFFLINE_STORE_DIR', description: 'offline store root', default: join(REPO_ROOT, '.riskstream', 'offline') }) },
      io.env,
    );
    const root = resolve(values.root ?? env.offlineStoreDir);
    const [verb, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    switch (verb) {
      case 'import': {
        if (!values.csv) throw new UsageError('import needs --csv FILE');
        const delay = values['label-delay-days'] ?? String(TERMINAL_DELAY_DAYS);
        if (!/^\d+$/.test(delay)) throw new UsageError(`--label-delay-days must be a non-negative integer, got "${delay}"`);
        const progress = createProgress(io.stderr, values.quiet !== true);
        const summary = await importCsv(resolve(values.csv), root, { labelDelayDays: Number(delay), tokenizer: cardTokenizer(io.env), progress });
        progress.finish();
        io.stdout.write(
          `imported ${summary.rows} transactions (${summary.frauds} frauds) over ${summary.dates} days into ${root}: ` +
            `${summary.files} files, ${(summary.bytes / 1e6).toFixed(1)} MB, ${(summary.ms / 1000).toFixed(1)} s\n`,
        );
        return 0;
      }
      case 'ls':
        return list(root, values.json === true, io);
      default:
        throw new UsageError(`unknown offline command "${verb}"`);
    }
  },
};

// ---------------------------------------------------------------------------------------------------
// import

type Tokenizer = (cardNumber: string) => string;

/**
 * The same pseudonym ingest gives a card: hex HMAC-SHA256(active key, card number). Imported and
 * streamed history of one card then share a card_token (on the dev stack, or with the production keys).
 */
function cardTokenizer(env: CommandIo['env']): Tokenizer {
  let keys = env['CARD_TOKEN_KEYS'];
  let active = env['CARD_TOKEN_ACTIVE_KEY'];
  if (!keys) {
    keys = devCardTokenKeys(new StackDir(loadStackConfig(env).stackDir));
    active = undefined;
  }
  const entries = keys.split(',').map((e) => {
    const sep = e.indexOf(':');
    return { id: e.slice(0, sep).trim(), secret: Buffer.from(e.slice(sep + 1).trim(), 'base64') };
  });
  const key = active === undefined ? (entries.length === 1 ? entries[0] : undefined) : entries.find((e) => e.id === active);
  if (!key || key.id === '' || key.secret.length < 16) {
    throw new ConfigError([{ field: 'CARD_TOKEN_KEYS/CARD_TOKEN_ACTIVE_KEY', problem: 'must name one key of <id>:<base64 secret of >= 16 bytes>' }]);
  }
  const cache = new Map<string, string>();
  return (card) => {
    let token = cache.get(card);
    if (token === undefined) cache.set(card, (token = createHmac('sha256', key.secret).update(card, 'utf8').digest('hex')));
    return token;
  };
}

/** Growable typed column. */
class Numbers<A extends Float64Array | Int32Array | Uint8Array> {
  values: A;
  length = 0;
  readonly #make: (n: number) => A;
  constructor(make: (n: number) => A) {
    this.#make = make;
    this.values = make(1 << 16);
  }
  push(v: number): void {
    if (this.length === this.values.length) {
      const next = this.#make(this.values.length * 2);
      next.set(this.values);
      this.values = next;
    }
    this.values[this.length++] = v;
  }
  done(): A {
    return this.values.subarray(0, this.length) as A;
  }
}

interface CsvColumns {
  readonly transactionId: string[];
  readonly customerId: string[];
  readonly terminalId: (string | null)[];
  readonly cardNumber: string[];
  readonly currency: string[];
  readonly channel: (string | null)[];
  readonly eventTime: Float64Array;
  readonly amount: Float64Array;
  readonly isFraud: Uint8Array;
  /** sha256 of the file, hex */
  readonly sha256: string;
}

/** Streams the simulator CSV into columns; every malformed cell is reported with its line (up to 20). */
async function readSimulatorCsv(path: string, progress: ProgressFn): Promise<CsvColumns> {
  if (!existsSync(path)) throw new NotFoundError('csv', `no such file: ${path}`);
  const size = (await stat(path)).size;
  const input = createReadStream(path);
  const hash = createHash('sha256');
  let bytes = 0;
  input.on('data', (chunk) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  const lines = createInterface({ input, crlfDelay: Infinity });
  const issues: ValidationIssue[] = [];
  const issue = (path: string, problem: string) => {
    if (issues.length < 20) issues.push({ path, problem });
  };
  const out = {
    transactionId: [] as string[],
    customerId: [] as string[],
    terminalId: [] as (string | null)[],
    cardNumber: [] as string[],
    currency: [] as string[],
    channel: [] as (string | null)[],
  };
  const eventTime = new Numbers((n) => new Float64Array(n));
  const amount = new Numbers((n) => new Float64Array(n));
  const isFraud = new Numbers((n) => new Uint8Array(n));
  type Index = Record<(typeof REQUIRED_COLUMNS)[number], number>;
  let index: Index | undefined;
  let lineNo = 0;
  for await (const raw of lines) {
    lineNo++;
    const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '') continue;
    // The simulator never quotes (no field contains a comma), so a plain split is exact.
    const cells = line.split(',');
    if (!index) {
      const missing = REQUIRED_COLUMNS.filter((c) => !cells.includes(c));
      if (missing.length > 0) throw new ValidationError('CSV_COLUMNS_INVALID', [{ path: `${path}:1`, problem: `missing column(s) ${missing.join(', ')} (expected the format of riskstream simulate --out)` }]);
      index = Object.fromEntries(REQUIRED_COLUMNS.map((c) => [c, cells.indexOf(c)])) as Index;
      continue;
    }
    const at = (c: (typeof REQUIRED_COLUMNS)[number]) => (cells[index![c]] ?? '').trim();
    const where = `line ${lineNo}`;
    const id = at('transaction_id');
    if (id === '') issue(`${where} transaction_id`, 'is empty');
    const t = Number(at('event_time'));
    if (!Number.isSafeInteger(t)) issue(`${where} event_time`, `"${at('event_time')}" is not epoch milliseconds`);
    const a = Number(at('amount'));
    if (at('amount') === '' || !Number.isFinite(a) || a < 0) issue(`${where} amount`, `"${at('amount')}" is not an amount >= 0`);
    const customer = at('customer_id');
    if (customer === '') issue(`${where} customer_id`, 'is empty');
    const card = at('card_number');
    if (card === '') issue(`${where} card_number`, 'is empty');
    const fraud = at('is_fraud');
    if (fraud !== '0' && fraud !== '1') issue(`${where} is_fraud`, `"${fraud}" is not 0 or 1`);
    out.transactionId.push(id);
    out.customerId.push(customer);
    out.terminalId.push(at('terminal_id') === '' ? null : at('terminal_id'));
    out.cardNumber.push(card);
    out.currency.push(at('currency'));
    out.channel.push(at('channel') === '' ? null : at('channel'));
    eventTime.push(t);
    amount.push(a);
    isFraud.push(fraud === '1' ? 1 : 0);
    if ((lineNo & 0xffff) === 0) progress('read', bytes, size);
  }
  if (!index) throw new ValidationError('CSV_EMPTY', [{ path, problem: 'file has no header' }]);
  if (issues.length > 0) throw new ValidationError('CSV_VALUES_INVALID', issues);
  progress('read', size, size);
  return { ...out, eventTime: eventTime.done(), amount: amount.done(), isFraud: isFraud.done(), sha256: hash.digest('hex') };
}

/** Dense 0..k-1 codes for the featuriser, which indexes its entity state by id. */
function codes(values: readonly (string | null)[]): Int32Array {
  const seen = new Map<string, number>();
  return Int32Array.from(values, (v) => {
    if (v === null) return -1;
    let code = seen.get(v);
    if (code === undefined) seen.set(v, (code = seen.size));
    return code;
  });
}

export interface ImportSummary {
  readonly rows: number;
  readonly frauds: number;
  readonly dates: number;
  readonly files: number;
  readonly bytes: number;
  readonly ms: number;
}

export async function importCsv(
  csvPath: string,
  root: string,
  o: { readonly labelDelayDays: number; readonly tokenizer: Tokenizer; readonly progress: ProgressFn },
): Promise<ImportSummary> {
  const started = Date.now();
  const csv = await readSimulatorCsv(csvPath, o.progress);
  const n = csv.transactionId.length;
  o.progress('features', 0, n);
  const dataset = featurizeOffline({
    length: n,
    eventTimeMs: csv.eventTime,
    customer: codes(csv.customerId),
    terminal: codes(csv.terminalId),
    amount: csv.amount,
    isFraud: csv.isFraud,
  });
  o.progress('features', n, n);
  const featureNames = dataset.featureNames;
  const F = dataset.cols;
  const byDate = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const date = eventDateOf(csv.eventTime[i]!);
    let rows = byDate.get(date);
    if (!rows) byDate.set(date, (rows = []));
    rows.push(i);
  }
  const sourceId = csv.sha256.slice(0, 16);
  const fileName = importFileName(sourceId);
  const txColumns = transactionColumns(featureNames);
  const writer = await OfflineStoreWriter.open(root);
  let files = 0;
  let bytes = 0;
  let frauds = 0;
  let done = 0;
  try {
    const dates = [...byDate.keys()].sort();
    for (const date of dates) {
      const rows = byDate.get(date)!;
      const txRows: OfflineRow[] = [];
      const labelRows: OfflineRow[] = [];
      for (const i of rows) {
        const features: Record<string, number> = {};
        for (let j = 0; j < F; j++) features[featureNames[j]!] = dataset.x[i * F + j]!;
        const t = csv.eventTime[i]!;
        const record = {
          transaction_id: csv.transactionId[i]!,
          card_token: o.tokenizer(csv.cardNumber[i]!),
          terminal_id: csv.terminalId[i]!,
          amount: csv.amount[i]!,
          currency: csv.currency[i]!,
          channel: csv.channel[i]!,
          event_time: t,
          // A batch import has no ingest; the event time is the closest honest value.
          ingest_time: t,
          feature_set: FEATURE_SET_VERSION,
          features,
        };
        txRows.push(transactionRow(record, featureNames, null));
        const fraud = csv.isFraud[i] === 1;
        if (fraud) frauds++;
        labelRows.push(labelRow({ transaction_id: record.transaction_id, terminal_id: record.terminal_id, event_time: t, is_fraud: fraud, labelled_at: t + o.labelDelayDays * DAY_MS }, null));
      }
      for (const [table, columns, tableRows] of [
        ['transactions', txColumns, txRows],
        ['labels', LABEL_COLUMNS, labelRows],
      ] as const) {
        const written = await writer.writeFile(table, date, fileName, columns, tableRows);
        files++;
        bytes += written.bytes;
      }
      done += rows.length;
      o.progress('write', done, n);
    }
    return { rows: n, frauds, dates: dates.length, files, bytes, ms: Date.now() - started };
  } finally {
    writer.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// ls

interface PartitionRow {
  readonly table: OfflineTableName;
  readonly eventDate: string;
  readonly files: number;
  readonly rows: number;
}

async function list(root: string, json: boolean, io: CommandIo): Promise<number> {
  const query = await OfflineStoreQuery.open({ threads: 2 });
  const partitions: PartitionRow[] = [];
  const offsets: { table: OfflineTableName; topic: string; partition: number; lastOffset: string }[] = [];
  try {
    for (const table of OFFLINE_TABLES) {
      for (const p of await listPartitions(root, table)) {
        const counts = await query.rowCounts(p.files);
        let rows = 0;
        for (const c of counts.values()) rows += c;
        partitions.push({ table, eventDate: p.eventDate, files: p.files.length, rows });
      }
      for (const [topic, byPartition] of await archivedOffsets(root, table)) {
        for (const [partition, last] of [...byPartition].sort((a, b) => a[0] - b[0])) offsets.push({ table, topic, partition, lastOffset: last.toString() });
      }
    }
  } finally {
    query.close();
  }
  if (json) {
    io.stdout.write(`${JSON.stringify({ root, partitions, archivedOffsets: offsets }, null, 2)}\n`);
    return 0;
  }
  if (partitions.length === 0) {
    io.stdout.write(`offline store ${root} is empty (riskstream offline import --csv FILE, or run the archiver)\n`);
    return 0;
  }
  io.stdout.write(`offline store ${root}\n${'TABLE'.padEnd(14)} ${'EVENT_DATE'.padEnd(12)} ${'FILES'.padStart(6)} ${'ROWS'.padStart(10)}\n`);
  for (const table of OFFLINE_TABLES) {
    const own = partitions.filter((p) => p.table === table);
    if (own.length === 0) continue;
    for (const p of own) io.stdout.write(`${table.padEnd(14)} ${p.eventDate.padEnd(12)} ${String(p.files).padStart(6)} ${String(p.rows).padStart(10)}\n`);
    const files = own.reduce((s, p) => s + p.files, 0);
    const rows = own.reduce((s, p) => s + p.rows, 0);
    io.stdout.write(`${table.padEnd(14)} ${`${own.length} days`.padEnd(12)} ${String(files).padStart(6)} ${String(rows).padStart(10)}\n`);
  }
  if (offsets.length > 0) {
    io.stdout.write('\nhighest archived offset per topic partition\n');
    for (const o of offsets) io.stdout.write(`  ${o.topic} [${o.partition}] ${o.lastOffset}\n`);
  }
  return 0;
}
