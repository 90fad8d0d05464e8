import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RunStore, type TrackedRun } from '@riskstream/training';
import { main } from '../../../cli/src/main.ts';
import { capture, registryEnv, runCli } from './cli-io.ts';
import { trackedRunFixture as run } from '../../support/tracked-run-fixture.ts';


const SWEEP = run('aaa111000000', { kind: 'sweep', startedAt: '2026-12-07T09:00:00.000Z', metrics: { ap: 0.61, auc: 0.78, valid_ap: 0.6, logloss: 0.25 } });
const RF = run('aaa222000000', {
  startedAt: '2026-12-07T10:00:00.000Z',
  params: { algorithm: 'rf', 'rf.nEstimators': 100, seed: 42 },
  metrics: { ap: 0.55, auc: 0.8, logloss: 0.2 },
  outcome: { status: 'promoted', version: 2, reasons: ['gate passed'] },
});
const TRIAL = run('bbb333000000', {
  kind: 'trial',
  parentId: SWEEP.id,
  startedAt: '2026-12-07T11:00:00.000Z',
  params: { algorithm: 'gbdt', 'gbdt.maxLeaves': 16, seed: 42 },
  metrics: { ap: 0.7, auc: 0.75, logloss: 0.3 },
  outcome: { status: 'not-registered', reasons: [] },
});
const FAILED = run('ccc444000000', {
  status: 'failed',
  startedAt: '2026-12-07T12:00:00.000Z',
  metrics: {},
  artifacts: {},
  error: 'ModelError: training diverged\n  at fit',
  outcome: { status: 'failed', reasons: ['training diverged'] },
});

/** The id column of a `runs list` table, header excluded. */
const listedIds = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(/\s+/)[0]);

describe('riskstream runs', () => {
  let env: Record<string, string>;
  const cli = (...argv: string[]) => runCli(['runs', ...argv], env);

  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rs-cli-runs-'));
    const registry = join(dir, 'registry');
    env = registryEnv(registry);
    const store = await RunStore.open(registry);
    for (const r of [SWEEP, RF, TRIAL, FAILED]) await store.save(r);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  describe('list', () => {
    test('a table of every run, newest first, with aligned columns and - for missing values', async () => {
      const r = await cli('list');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(listedIds(r.stdout), [FAILED.id, TRIAL.id, RF.id, SWEEP.id]);
      const lines = r.stdout.trim().split('\n');
      assert.match(lines[0]!, /^ID\s+KIND\s+MODEL\s+STATUS\s+STARTED\s+ALGORITHM\s+AP\s+AUC\s+VALID_AP\s+OUTCOME\s+PARENT$/);
      const sweep = lines.find((l) => l.startsWith(SWEEP.id))!;
      assert.match(sweep, /sweep\s+fraud\s+finished\s+2026-12-07 09:00\s+gbdt\s+0\.6100\s+0\.7800\s+0\.6000\s+registered v1\s+-$/);
      const trial = lines.find((l) => l.startsWith(TRIAL.id))!;
      assert.match(trial, /0\.7000\s+0\.7500\s+-\s+not-registered\s+aaa11100$/);
      const failed = lines.find((l) => l.startsWith(FAILED.id))!;
      assert.match(failed, /failed\s+.*-\s+-\s+-\s+failed\s+-$/);
      // Every column starts at the same offset on every line: the AP column ends where its header does.
      const apEnd = lines[0]!.indexOf(' AP ') + ' AP'.length;
      for (const l of lines.slice(1)) assert.match(l.slice(apEnd - 6, apEnd), /^( {5}-|\d\.\d{4})$/, l);
    });

    test('--filter, --sort, --limit and --parent', async () => {
      assert.deepEqual(listedIds((await cli('list', '--filter', 'metrics.ap > 0.58')).stdout).sort(), [SWEEP.id, TRIAL.id]);
      assert.deepEqual(listedIds((await cli('list', '--filter', "params.algorithm = 'rf'")).stdout), [RF.id]);
      assert.deepEqual(listedIds((await cli('list', '--sort', 'metrics.auc:asc')).stdout), [TRIAL.id, SWEEP.id, RF.id, FAILED.id]);
      assert.deepEqual(listedIds((await cli('list', '--sort', 'metrics.ap', '--limit', '2')).stdout), [TRIAL.id, SWEEP.id]);
      assert.deepEqual(listedIds((await cli('list', '--parent', 'aaa111')).stdout), [TRIAL.id]);
    });

    test('--json prints the runs as stored', async () => {
      const r = await cli('list', '--json', '--filter', 'kind = trial or status = failed');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), [FAILED, TRIAL]);
    });

    test('an empty result says what did not match', async () => {
      const r = await cli('list', '--filter', 'metrics.ap > 0.99');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'no runs match --filter "metrics.ap > 0.99"\n');
      assert.deepEqual(JSON.parse((await cli('list', '--json', '--filter', 'metrics.ap > 0.99')).stdout), []);
    });

    test('a bad filter, sort or limit is a usage error naming the problem', async () => {
      const filter = await cli('list', '--filter', 'metrics.ap >');
      assert.equal(filter.code, 2);
      assert.match(filter.stderr, /^riskstream runs: --filter: expected a value after > at column/);
      const sort = await cli('list', '--sort', 'nonsense.x');
      assert.equal(sort.code, 2);
      assert.match(sort.stderr, /--sort: unknown field "nonsense\.x"/);
      const limit = await cli('list', '--limit', '0');
      assert.equal(limit.code, 2);
      assert.match(limit.stderr, /--limit must be an integer >= 1, got "0"/);
      const misplaced = await cli('list', '--only-diff');
      assert.equal(misplaced.code, 2);
      assert.match(misplaced.stderr, /--only-diff applies to runs compare only/);
    });

    test('--parent of an unknown run is not found', async () => {
      const r = await cli('list', '--parent', 'fff');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^riskstream runs: \[NOT_FOUND\] run: no run fff/);
    });
  });

  describe('show', () => {
    test('the run in sections, by a unique prefix', async () => {
      const r = await cli('show', 'aaa2');
      assert.equal(r.code, 0, r.stderr);
      const text = r.stdout;
      assert.match(text, /^run aaa222000000 \(train, model fraud\)\n/);
      assert.match(text, /\n {2}duration +1m 30s\n/);
      assert.match(text, /\n {2}code +deadbeef-dirty\n/);
      assert.match(text, /\nParameters\n {2}algorithm +rf\n {2}rf\.nEstimators +100\n {2}seed +42\n/);
      assert.match(text, /\nData\n {2}source +\{"kind":"csv","file":"x\.csv"\}\n {2}rows +100 \(train 70, test 30\)\n {2}hash +abc123\n/);
      assert.match(text, /\nMetrics\n {2}ap +0\.5500\n {2}auc +0\.8000\n {2}logloss +0\.2000\n/);
      assert.match(text, /\nArtifacts\n {2}report\.html +\/tmp\/runs-test\/report\.html\n/);
      assert.match(text, /\nOutcome\n {2}status +promoted\n {2}version +v2\n {2}reasons +gate passed\n/);
      assert.doesNotMatch(text, /\nError\n/);
    });

    test('a failed run shows its error and empty sections as (none)', async () => {
      const r = await cli('show', FAILED.id);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /\nMetrics\n {2}\(none\)\n/);
      assert.match(r.stdout, /\nError\n {2}ModelError: training diverged\n {4}at fit\n$/);
    });

    test('--json prints the run', async () => {
      assert.deepEqual(JSON.parse((await cli('show', TRIAL.id, '--json')).stdout), TRIAL);
    });

    test('an unknown id exits 1 with NOT_FOUND; an ambiguous prefix is a usage error', async () => {
      const unknown = await cli('show', 'ddd');
      assert.equal(unknown.code, 1);
      assert.equal(unknown.stdout, '');
      assert.match(unknown.stderr, /^riskstream runs: \[NOT_FOUND\] run: no run ddd/);
      const ambiguous = await cli('show', 'aaa');
      assert.equal(ambiguous.code, 2);
      assert.match(ambiguous.stderr, /^riskstream runs: run id prefix aaa is ambiguous/);
    });
  });

  describe('compare', () => {
    const DIFFERING = ['algorithm', 'gbdt.maxLeaves', 'rf.nEstimators', 'ap', 'auc', 'logloss', 'valid_ap'];

    /** The key of every row under Parameters and Metrics, with whether it carries the `*` marker. */
    function rows(stdout: string): Map<string, { marked: boolean; line: string }> {
      const out = new Map<string, { marked: boolean; line: string }>();
      let inSection = false;
      for (const line of stdout.split('\n')) {
        if (line === 'Parameters' || line === 'Metrics') inSection = true;
        else if (line === '') inSection = false;
        else if (inSection) out.set(line.slice(2).split(/\s+/)[0]!, { marked: line.startsWith('* '), line });
      }
      return out;
    }

    test('without a TTY, * marks exactly the rows that differ, < the best metric value', async () => {
      const r = await cli('compare', SWEEP.id, RF.id, 'bbb3');
      assert.equal(r.code, 0, r.stderr);
      const table = rows(r.stdout);
      assert.deepEqual([...table.keys()].sort(), [...DIFFERING, 'seed'].sort());
      assert.deepEqual([...table].filter(([, v]) => v.marked).map(([k]) => k).sort(), [...DIFFERING].sort());
      assert.match(r.stdout, /^ {2}run +aaa111000000 +aaa222000000 +bbb333000000\n/);
      assert.match(table.get('ap')!.line, /^\* ap +0\.6100 +0\.5500 +0\.7000 <$/);
      assert.match(table.get('auc')!.line, /^\* auc +0\.7800 +0\.8000 < +0\.7500$/);
      // Lower is better for logloss; the two runs tied at the worst value are not marked.
      assert.match(table.get('logloss')!.line, /^\* logloss +0\.2500 +0\.2000 < +0\.3000$/);
      assert.match(table.get('rf.nEstimators')!.line, /^\* rf\.nEstimators +- +100 +-$/);
      assert.match(table.get('seed')!.line, /^ {2}seed +42 +42 +42$/);
      assert.match(r.stdout, /\n\* marks rows that differ between runs; < marks the best value/);
      assert.doesNotMatch(r.stdout, /\x1b\[/);
    });

    test('--only-diff keeps only the differing rows', async () => {
      const r = await cli('compare', SWEEP.id, RF.id, TRIAL.id, '--only-diff');
      assert.equal(r.code, 0, r.stderr);
      const table = rows(r.stdout);
      assert.deepEqual([...table.keys()].sort(), [...DIFFERING].sort());
      assert.ok([...table.values()].every((v) => v.marked));
    });

    test('identical runs under --only-diff say there are no differences', async () => {
      const r = await cli('compare', SWEEP.id, SWEEP.id, '--only-diff');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Parameters\n {2}\(no differences\)\nMetrics\n {2}\(no differences\)\n/);
    });

    test('on a TTY the differing rows are bold yellow instead of marked', async () => {
      const out = capture();
      const err = capture();
      Object.assign(out.stream, { isTTY: true });
      const code = await main(['runs', 'compare', SWEEP.id, RF.id], { stdout: out.stream, stderr: err.stream, env });
      assert.equal(code, 0, err.text());
      const lines = out.text().split('\n');
      const algorithm = lines.find((l) => l.includes('algorithm'))!;
      const seed = lines.find((l) => l.includes('seed'))!;
      assert.match(algorithm, /^ {2}\x1b\[1;33malgorithm +gbdt +rf\x1b\[0m$/);
      assert.match(seed, /^ {2}seed +42 +42$/);
      assert.ok(!lines.some((l) => l.startsWith('* ')));
      assert.match(out.text(), /bold yellow\x1b\[0m rows differ/);
    });

    test('--json: ids, values by key (null when missing) and the differing keys', async () => {
      const r = await cli('compare', SWEEP.id, RF.id, '--json');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), {
        runs: [SWEEP.id, RF.id],
        params: { algorithm: ['gbdt', 'rf'], 'gbdt.maxLeaves': [8, null], 'rf.nEstimators': [null, 100], seed: [42, 42] },
        metrics: { ap: [0.61, 0.55], auc: [0.78, 0.8], logloss: [0.25, 0.2], valid_ap: [0.6, null] },
        differing: { params: ['algorithm', 'gbdt.maxLeaves', 'rf.nEstimators'], metrics: ['ap', 'auc', 'logloss', 'valid_ap'] },
      });
    });

    test('one id is a usage error; an unknown one is not found', async () => {
      const one = await cli('compare', SWEEP.id);
      assert.equal(one.code, 2);
      assert.match(one.stderr, /^riskstream runs: runs compare needs at least two run IDs, got 1\n/);
      const unknown = await cli('compare', SWEEP.id, 'eee');
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /\[NOT_FOUND\] run: no run eee/);
    });
  });

  describe('help and usage', () => {
    test('runs --help lists the subcommands; each subcommand has its own help', async () => {
      const all = await cli('--help');
      assert.equal(all.code, 0);
      for (const s of ['list', 'show', 'compare']) assert.match(all.stdout, new RegExp(`riskstream runs ${s} `));
      const list = await cli('list', '--help');
      assert.equal(list.code, 0);
      assert.match(list.stdout, /^Usage: riskstream runs list /);
      assert.match(list.stdout, /--filter EXPR/);
      assert.match((await cli('compare', '--help')).stdout, /^Usage: riskstream runs compare ID ID\.\.\. .*\n[\s\S]*--only-diff/);
      assert.match((await cli('show', '-h')).stdout, /^Usage: riskstream runs show ID/);
    });

    test('no subcommand prints the usage and exits 2; an unknown one names the subcommands', async () => {
      const none = await cli();
      assert.equal(none.code, 2);
      assert.match(none.stdout, /^Usage:/);
      const unknown = await cli('delete');
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /^riskstream runs: unknown runs command "delete" \(one of: list, show, compare\)/);
    });

    test('runs appears in riskstream --help', async () => {
      assert.match((await runCli(['--help'])).stdout, /\n {2}runs +list, show and compare tracked training runs\n/);
    });
  });
});
