/**
 * Where runs are kept: an embedded DuckDB file next to the registry (`<registry>/runs.duckdb`), so
 * tracking needs no server. Artifacts of runs that were never registered live beside it
 * (`<registry>/.runs/<id>/`); the registry ignores both.
 *
 * DuckDB lets one process at a time hold a database file. The CLI, the web UI and the trainer worker all
 * use it, so every operation opens the file, does its work and closes it again; an operation that finds
 * the file held by another process retries for a few seconds instead of failing.
 */
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DependencyError, NotFoundError, UsageError, loadDuckDB, processAlive } from '@riskstream/shared';
import { compileField, compileFilter } from './run-filter.ts';
import type { TrackedRun } from './tracked-run.ts';

export const RUNS_DATABASE = 'runs.duckdb';
export const RUN_ARTIFACTS_DIR = '.runs';

const SCHEMA = `CREATE TABLE IF NOT EXISTS runs (
  id VARCHAR PRIMARY KEY,
  parent_id VARCHAR,
  model VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  started_at TIMESTAMP NOT NULL,
  ended_at TIMESTAMP,
  params JSON NOT NULL,
  data JSON,
  metrics JSON NOT NULL,
  artifacts JSON NOT NULL,
  outcome JSON,
  code_version VARCHAR,
  error VARCHAR,
  owner VARCHAR
)`;

/** Files created before runs had an owner. */
const MIGRATIONS = ['ALTER TABLE runs ADD COLUMN IF NOT EXISTS owner VARCHAR'];

/** host:pid of the process saving a running run: how a later reader tells that nobody will finish it. */
const OWNER = `${hostname()}:${process.pid}`;

const COLUMNS = 'id, parent_id, model, kind, status, started_at, ended_at, params, data, metrics, artifacts, outcome, code_version, error';

export interface ListOptions {
  /** A filter expression (run-filter.ts). */
  readonly filter?: string;
  /** FIELD[:asc|:desc]; default started:desc. Fields as in filters (metrics.ap, params.seed, started). */
  readonly sort?: string;
  readonly limit?: number;
  readonly parentId?: string;
}

export interface RunStoreOptions {
  /** How long an operation waits for another process to release the file; default 15 s. */
  readonly lockWaitMs?: number;
}

export class RunStore {
  readonly path: string;
  readonly artifactsRoot: string;
  readonly #lockWaitMs: number;

  private constructor(registryDir: string, options: RunStoreOptions) {
    this.path = join(registryDir, RUNS_DATABASE);
    this.artifactsRoot = join(registryDir, RUN_ARTIFACTS_DIR);
    this.#lockWaitMs = options.lockWaitMs ?? 15_000;
  }

  static async open(registryDir: string, options: RunStoreOptions = {}): Promise<RunStore> {
    await mkdir(registryDir, { recursive: true });
    const store = new RunStore(registryDir, options);
    await store.#with(async () => undefined);
    return store;
  }

  /** The directory for a run's own artifacts. */
  artifactDir(id: string): string {
    return join(this.artifactsRoot, id);
  }

  /** Inserts or replaces the run (a run is saved when it starts and again when it ends). */
  async save(run: TrackedRun): Promise<void> {
    await this.#with((con) =>
      con.run(`INSERT OR REPLACE INTO runs (${COLUMNS}, owner) VALUES (?, ?, ?, ?, ?, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), ?, ?, ?, ?, ?, ?, ?, ?)`, [
        run.id,
        run.parentId ?? null,
        run.model,
        run.kind,
        run.status,
        run.startedAt,
        run.endedAt ?? null,
        JSON.stringify(run.params),
        run.data ? JSON.stringify(run.data) : null,
        JSON.stringify(run.metrics),
        JSON.stringify(run.artifacts),
        run.outcome ? JSON.stringify(run.outcome) : null,
        run.codeVersion ?? null,
        run.error ?? null,
        run.status === 'running' ? OWNER : null,
      ]),
    );
  }

  async list(options: ListOptions = {}): Promise<TrackedRun[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (options.filter) {
      const f = compileFilter(options.filter);
      where.push(f.sql);
      params.push(...f.params);
    }
    if (options.parentId) {
      where.push('parent_id = ?');
      params.push(options.parentId);
    }
    const order = orderBy(options.sort ?? 'started:desc', params);
    const limit = options.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(options.limit))}` : '';
    const sql = `SELECT ${COLUMNS} FROM runs${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order}, id${limit}`;
    return this.#with(async (con) => {
      await failAbandoned(con);
      return (await con.runAndReadAll(sql, params)).getRowObjectsJS().map(fromRow);
    });
  }

  /** A run by id or by a unique prefix of its id (like git's short hashes). */
  async get(idOrPrefix: string): Promise<TrackedRun> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(idOrPrefix)) throw new UsageError(`not a run id: ${JSON.stringify(idOrPrefix)}`);
    const rows = await this.#with(async (con) => {
      await failAbandoned(con);
      return (await con.runAndReadAll(`SELECT ${COLUMNS} FROM runs WHERE id = ? OR starts_with(id, ?) ORDER BY id = ? DESC LIMIT 3`, [idOrPrefix, idOrPrefix, idOrPrefix])).getRowObjectsJS();
    });
    if (rows.length === 0) throw new NotFoundError('run', `no run ${idOrPrefix} (riskstream runs list shows them)`);
    if (rows.length > 1 && rows[0]!['id'] !== idOrPrefix) throw new UsageError(`run id prefix ${idOrPrefix} is ambiguous: give more characters`);
    return fromRow(rows[0]!);
  }

  async #with<T>(fn: (con: DuckDBConnection) => Promise<T>): Promise<T> {
    const instance = await acquire(this.path, this.#lockWaitMs);
    const con = await instance.connect();
    try {
      return await fn(con);
    } finally {
      con.closeSync();
      release(this.path);
    }
  }
}

/**
 * One open instance per file per process, shared by concurrent operations and closed when the last one
 * ends. DuckDB's file lock is a POSIX lock, which is per process: two instances of one file in one process
 * would not exclude each other, and each would overwrite the other's changes.
 */
const open = new Map<string, { instance: Promise<DuckDBInstance>; users: number }>();

function acquire(path: string, lockWaitMs: number): Promise<DuckDBInstance> {
  let entry = open.get(path);
  if (!entry) {
    entry = { instance: create(path, lockWaitMs), users: 0 };
    open.set(path, entry);
    entry.instance.catch(() => open.delete(path));
  }
  entry.users++;
  return entry.instance;
}

function release(path: string): void {
  const entry = open.get(path);
  if (!entry || --entry.users > 0) return;
  open.delete(path);
  void entry.instance.then((i) => i.closeSync());
}

/** Opens the file, waiting while another process holds it, and creates the table on first use. */
async function create(path: string, lockWaitMs: number): Promise<DuckDBInstance> {
  const instance = await openFile(path, lockWaitMs);
  try {
    const con = await instance.connect();
    try {
      await con.run(SCHEMA);
      for (const m of MIGRATIONS) await con.run(m);
    } finally {
      con.closeSync();
    }
  } catch (err) {
    instance.closeSync();
    throw err;
  }
  return instance;
}

async function openFile(path: string, lockWaitMs: number): Promise<DuckDBInstance> {
  const { DuckDBInstance } = await loadDuckDB();
  const deadline = Date.now() + lockWaitMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await DuckDBInstance.create(path, { threads: '1' });
    } catch (err) {
      const message = (err as Error).message;
      if (!/lock/i.test(message) || Date.now() >= deadline) {
        throw new DependencyError('duckdb', `cannot open the runs database ${path}: ${message}`, err);
      }
      await new Promise((r) => setTimeout(r, Math.min(250, 20 * 2 ** attempt)));
    }
  }
}

/**
 * Runs still `running` whose process on this host has ended (killed, crashed, or a plain `train`
 * interrupted mid-fit, when no handler can run) become failed, so a list never shows a run nobody will
 * finish. Runs of other hosts are left alone: their processes cannot be checked from here.
 */
async function failAbandoned(con: DuckDBConnection): Promise<void> {
  const host = `${hostname()}:`;
  const rows = (await con.runAndReadAll(`SELECT id, owner FROM runs WHERE status = 'running' AND starts_with(owner, ?)`, [host])).getRowObjectsJS();
  for (const r of rows) {
    const pid = Number(String(r['owner']).slice(host.length));
    if (!Number.isInteger(pid) || processAlive(pid)) continue;
    const reason = `interrupted: its process (pid ${pid} on ${hostname()}) ended before the run did`;
    await con.run(`UPDATE runs SET status = 'failed', error = ?, outcome = ?, owner = NULL WHERE id = ? AND status = 'running'`, [
      reason,
      JSON.stringify({ status: 'failed', reasons: [reason] }),
      String(r['id']),
    ]);
  }
}

function orderBy(sort: string, params: (string | number)[]): string {
  const m = /^([A-Za-z_][A-Za-z0-9_.-]*)(?::(asc|desc))?$/i.exec(sort);
  if (!m) throw new UsageError(`--sort must be FIELD[:asc|:desc], got ${JSON.stringify(sort)}`);
  const direction = (m[2] ?? 'desc').toUpperCase();
  if (m[1] === 'started' || m[1] === 'ended') return `${m[1]}_at ${direction} NULLS LAST`;
  // Numbers sort as numbers; values that are not numbers (params.algorithm) sort as text after them.
  const numeric = compileField(m[1]!, true);
  const text = compileField(m[1]!, false);
  params.push(...numeric.params, ...text.params);
  return `${numeric.sql} ${direction} NULLS LAST, ${text.sql} ${direction} NULLS LAST`;
}

function fromRow(r: Record<string, unknown>): TrackedRun {
  const json = (v: unknown) => (v === null || v === undefined ? undefined : JSON.parse(String(v)));
  const time = (v: unknown) => (v instanceof Date ? v.toISOString() : undefined);
  return {
    id: String(r['id']),
    ...(r['parent_id'] ? { parentId: String(r['parent_id']) } : {}),
    model: String(r['model']),
    kind: String(r['kind']) as TrackedRun['kind'],
    status: String(r['status']) as TrackedRun['status'],
    startedAt: time(r['started_at'])!,
    ...(r['ended_at'] ? { endedAt: time(r['ended_at'])! } : {}),
    params: json(r['params']) ?? {},
    ...(r['data'] ? { data: json(r['data']) } : {}),
    metrics: json(r['metrics']) ?? {},
    artifacts: json(r['artifacts']) ?? {},
    ...(r['outcome'] ? { outcome: json(r['outcome']) } : {}),
    ...(r['code_version'] ? { codeVersion: String(r['code_version']) } : {}),
    ...(r['error'] ? { error: String(r['error']) } : {}),
  };
}
