import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NotFoundError, UsageError } from '@riskstream/shared';
import { RunStore } from '../../../training/src/tracking/run-store.ts';
import { flattenParams, type TrackedRun } from '../../../training/src/tracking/tracked-run.ts';
import { trackedRunFixture as run } from '../../support/tracked-run-fixture.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HOLD_FILE = `import { DuckDBInstance } from '@duckdb/node-api';
const i = await DuckDBInstance.create(process.argv[1]);
console.log('holding');
setTimeout(() => i.closeSync(), Number(process.argv[2]));`;

/** The test runner's context variable would make the child report to it instead of printing. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['NODE_TEST_CONTEXT'];
  return env;
}


describe('RunStore', () => {
  let dir: string;
  let store: RunStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runs-'));
    store = await RunStore.open(dir);
    await store.save(run('aaa111', { metrics: { ap: 0.61, auc: 0.78 }, startedAt: '2026-12-07T09:00:00.000Z' }));
    await store.save(run('aaa222', { metrics: { ap: 0.55, auc: 0.8 }, params: { algorithm: 'rf', 'rf.nEstimators': 100, seed: 42 } }));
    await store.save(run('bbb333', { kind: 'trial', parentId: 'aaa222', metrics: { ap: 0.7, auc: 0.75 }, outcome: { status: 'not-registered', reasons: [] }, startedAt: '2026-12-07T11:00:00.000Z' }));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('round-trips a run with every field', async () => {
    const got = await store.get('aaa222');
    assert.deepEqual(got, run('aaa222', { metrics: { ap: 0.55, auc: 0.8 }, params: { algorithm: 'rf', 'rf.nEstimators': 100, seed: 42 } }));
  });

  it('saving again replaces the run (start, then end)', async () => {
    await store.save(run('ccc444', { status: 'running', endedAt: undefined, metrics: {} }));
    await store.save(run('ccc444', { metrics: { ap: 0.1 } }));
    const got = await store.get('ccc444');
    assert.equal(got.status, 'finished');
    assert.deepEqual(got.metrics, { ap: 0.1 });
    assert.equal((await store.list()).filter((r) => r.id === 'ccc444').length, 1);
  });

  it('filters on metrics, params (dotted keys), outcome and columns', async () => {
    const ids = async (filter: string) => (await store.list({ filter })).map((r) => r.id).sort();
    assert.deepEqual(await ids('metrics.ap > 0.6'), ['aaa111', 'bbb333']);
    assert.deepEqual(await ids("params.algorithm = 'rf'"), ['aaa222']);
    assert.deepEqual(await ids('params.rf.nEstimators >= 100'), ['aaa222']);
    assert.deepEqual(await ids('outcome.status = not-registered'), ['bbb333']);
    assert.deepEqual(await ids('kind = trial or metrics.auc >= 0.8'), ['aaa222', 'bbb333']);
    assert.deepEqual(await ids('not kind = trial and metrics.ap > 0.5 and metrics.ap < 0.6'), ['aaa222']);
    assert.deepEqual(await ids('parent = aaa222'), ['bbb333']);
  });

  it('sorts by a metric either way, newest first by default', async () => {
    const base = (await store.list({ filter: "model = 'fraud' and metrics.auc > 0" })).map((r) => r.id);
    assert.equal(base[0], 'bbb333');
    assert.deepEqual((await store.list({ filter: 'metrics.auc > 0', sort: 'metrics.auc' })).map((r) => r.id), ['aaa222', 'aaa111', 'bbb333']);
    assert.deepEqual((await store.list({ filter: 'metrics.auc > 0', sort: 'metrics.auc:asc' })).map((r) => r.id), ['bbb333', 'aaa111', 'aaa222']);
    assert.deepEqual((await store.list({ parentId: 'aaa222' })).map((r) => r.id), ['bbb333']);
  });

  it('finds a run by a unique id prefix and refuses an ambiguous one', async () => {
    assert.equal((await store.get('bbb')).id, 'bbb333');
    await assert.rejects(store.get('aaa'), UsageError);
    await assert.rejects(store.get('zzz'), NotFoundError);
    await assert.rejects(store.get("a' or 1=1"), UsageError);
  });

  it('rejects a bad filter or sort with the place of the problem', async () => {
    await assert.rejects(store.list({ filter: 'metrics.ap >' }), /expected a value/);
    await assert.rejects(store.list({ filter: 'secret = 1' }), /unknown field "secret"/);
    await assert.rejects(store.list({ filter: "metrics.ap > 0.5'); DROP TABLE runs; --" }), UsageError);
    await assert.rejects(store.list({ sort: 'metrics.ap;drop' }), /--sort/);
    assert.ok((await store.list()).length >= 3);
  });

  it('waits while another process holds the file', async () => {
    const holder = spawn(process.execPath, ['--input-type=module', '-e', HOLD_FILE, store.path, '1500'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    let stderr = '';
    holder.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      holder.stdout.once('data', () => resolve());
      holder.once('exit', (code) => reject(new Error(`the holding process exited (${code}) before holding: ${stderr}`)));
    });
    const started = performance.now();
    await store.save(run('held01'));
    assert.ok(performance.now() - started > 500, 'the save went through while the other process held the file');
    assert.equal((await store.get('held01')).id, 'held01');
    await exited;
  });

  it('a running run whose process ended is failed as interrupted on the next read; a live process keeps its own', async (t) => {
    const own = await mkdtemp(join(tmpdir(), 'rs-runs-abandoned-'));
    t.after(() => rm(own, { recursive: true, force: true }));
    const abandon = `import { RunStore } from ${JSON.stringify(new URL('../../../training/src/tracking/run-store.ts', import.meta.url).href)};
const s = await RunStore.open(process.argv[1]);
await s.save(JSON.parse(process.argv[2]));
process.kill(process.pid, 'SIGKILL');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', abandon, own, JSON.stringify(run('dead01', { status: 'running', endedAt: undefined, outcome: undefined }))], { cwd: REPO_ROOT, stdio: 'inherit', env: childEnv() });
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.once('exit', (c, sig) => resolve([c, sig])));
    assert.equal(signal, 'SIGKILL', `the child exited with ${code} instead of being killed`);
    const mine = await RunStore.open(own);
    await mine.save(run('live01', { status: 'running', endedAt: undefined, outcome: undefined }));
    const dead = await mine.get('dead01');
    assert.equal(dead.status, 'failed');
    assert.equal(dead.error, `interrupted: its process (pid ${child.pid} on ${hostname()}) ended before the run did`);
    assert.deepEqual(dead.outcome, { status: 'failed', reasons: [dead.error] });
    assert.deepEqual((await mine.list({ filter: 'status = running' })).map((r) => r.id), ['live01']);
  });

  it('opens a file written before runs had an owner, and keeps its runs', async (t) => {
    const old = await mkdtemp(join(tmpdir(), 'rs-runs-old-'));
    t.after(() => rm(old, { recursive: true, force: true }));
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(join(old, 'runs.duckdb'));
    const con = await db.connect();
    await con.run(`CREATE TABLE runs (id VARCHAR PRIMARY KEY, parent_id VARCHAR, model VARCHAR NOT NULL, kind VARCHAR NOT NULL, status VARCHAR NOT NULL,
      started_at TIMESTAMP NOT NULL, ended_at TIMESTAMP, params JSON NOT NULL, data JSON, metrics JSON NOT NULL, artifacts JSON NOT NULL, outcome JSON,
      code_version VARCHAR, error VARCHAR)`);
    await con.run(`INSERT INTO runs VALUES ('old001', NULL, 'fraud', 'train', 'finished', TIMESTAMP '2026-12-01 10:00:00', NULL, '{}', NULL, '{"ap":0.4}', '{}', NULL, NULL, NULL)`);
    con.closeSync();
    db.closeSync();
    const reopened = await RunStore.open(old);
    await reopened.save(run('new001', { status: 'running', endedAt: undefined }));
    assert.deepEqual((await reopened.list()).map((r) => [r.id, r.status]), [['new001', 'running'], ['old001', 'finished']]);
  });

  it('shares one open file between concurrent operations of a process', async () => {
    const other = await RunStore.open(dir);
    const results = await Promise.all([0, 1, 2, 3].map((i) => other.save(run(`par${i}`)).then(() => store.list({ filter: `id = par${i}` }))));
    assert.deepEqual(results.map((r) => r.length), [1, 1, 1, 1]);
  });
});

describe('flattenParams', () => {
  it('turns nested objects into dotted keys and keeps arrays', () => {
    assert.deepEqual(flattenParams({ seed: 1, gbdt: { maxLeaves: 8, classWeight: { kind: 'balanced' } }, arms: [1, 2], skip: undefined, inf: Infinity }), {
      seed: 1,
      'gbdt.maxLeaves': 8,
      'gbdt.classWeight.kind': 'balanced',
      arms: [1, 2],
      inf: 'Infinity',
    });
  });
});
