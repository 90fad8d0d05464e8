import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelRegistry } from '@riskstream/training';
import { modelsCommand } from '../../../cli/src/commands/models-command.ts';
import { registryEnv, runCli, tempDir, writeSyntheticCsv, type CliResult } from './cli-io.ts';

const FEATURES = ['x1', 'x2', 'x3', 'noise'];

interface ListEntry {
  name: string;
  version: number;
  aliases: string[];
  createdAt: string;
  metrics: Record<string, unknown>;
}

/** A temp directory for a describe block: create it in `before`, remove it in `after`. */
function suiteDir(prefix: string): { create(): Promise<string>; remove(): Promise<void> } {
  let dir = '';
  return {
    create: async () => (dir = await mkdtemp(join(tmpdir(), `rs-cli-${prefix}-`))),
    remove: () => (dir ? rm(dir, { recursive: true, force: true }) : Promise.resolve()),
  };
}

async function train(csv: string, name: string, env: Record<string, string>): Promise<CliResult> {
  const r = await runCli(['train', '--csv', csv, '--target', 'y', '--name', name, '--out', join(csv, '..', `${name}-out-${Date.now()}`), '--quiet'], env);
  assert.equal(r.code, 0, r.stderr);
  return r;
}

function recordedGate(registryDir: string, name: string, version: number): Promise<{ promote: boolean; reasons: string[] }> {
  return ModelRegistry.open(registryDir)
    .then((reg) => reg.get(name, version))
    .then((e) => (e.manifest.trainingConfig as { gateResult: { promote: boolean; reasons: string[] } }).gateResult);
}

describe('models on an empty registry', () => {
  test('models list says no model is registered; --json prints []', async (t) => {
    const env = registryEnv(join(await tempDir(t, 'models-empty'), 'registry'));
    const text = await runCli(['models', 'list'], env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^no models registered yet/);
    const json = await runCli(['models', 'list', '--json'], env);
    assert.equal(json.code, 0);
    assert.deepEqual(JSON.parse(json.stdout), []);
  });

  test('models show / rollback / promote of an unknown model exit 1 with NOT_FOUND', async (t) => {
    const env = registryEnv(join(await tempDir(t, 'models-empty2'), 'registry'));
    for (const args of [['show', 'nope'], ['show', 'nope@3'], ['rollback', 'nope'], ['promote', 'nope', '1']]) {
      const r = await runCli(['models', ...args], env);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^riskstream models: \[NOT_FOUND\] .*nope/);
    }
  });

  test('models usage errors exit 2 with the usage', async (t) => {
    const env = registryEnv(join(await tempDir(t, 'models-usage'), 'registry'));
    const cases: [string[], RegExp][] = [
      [['frob'], /unknown models command "frob"/],
      [['show'], /needs NAME\[@VERSION\|@ALIAS\]/],
      [['rollback'], /rollback needs NAME/],
      [['promote', 'm'], /promote needs NAME VERSION/],
      [['promote', 'm', 'latest'], /promote needs NAME VERSION/],
      [['show', 'm@bogus'], /unknown selector "@bogus"/],
      [['list', 'Not/A/Name'], /model name "Not\/A\/Name" must match/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['models', ...args], env);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /^riskstream models: /);
      assert.match(r.stderr, message);
      assert.ok(r.stderr.endsWith(`\n\n${modelsCommand.usage}\n`), `usage after ${args.join(' ')}`);
    }
    const bare = await runCli(['models'], env);
    assert.equal(bare.code, 2);
    assert.equal(bare.stdout, `${modelsCommand.usage}\n`);
  });
});

describe('models after training the same data twice (v1 champion, v2 refused challenger)', () => {
  let registryDir = '';
  let env: Record<string, string> = {};
  const suite = suiteDir('models-same');
  after(() => suite.remove());
  before(async () => {
    const dir = await suite.create();
    registryDir = join(dir, 'registry');
    env = registryEnv(registryDir);
    const csv = join(dir, 'synthetic.csv');
    await writeSyntheticCsv(csv, { rows: 3000, seed: 11 });
    assert.match((await train(csv, 'synthetic', env)).stdout, /v1: PROMOTED/);
    assert.match((await train(csv, 'synthetic', env)).stdout, /v2: registered as challenger/);
  });

  test('models list shows name, version and aliases of every version', async () => {
    const r = await runCli(['models', 'list'], env);
    assert.equal(r.code, 0, r.stderr);
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    assert.match(header!, /^NAME +VERSION +ALIASES +CREATED +ROC_AUC +AP$/);
    assert.equal(rows.length, 2);
    assert.match(rows[0]!, /^synthetic +1 +champion +\d{4}-\d\d-\d\dT[\d:.]+Z +0\.\d{4} +0\.\d{4}$/);
    assert.match(rows[1]!, /^synthetic +2 +challenger +\d{4}-\d\d-\d\dT[\d:.]+Z +0\.\d{4} +0\.\d{4}$/);
  });

  test('models list --json parses; filtering by NAME; --registry overrides MODEL_REGISTRY_DIR', async (t) => {
    const r = await runCli(['models', 'list', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const entries = JSON.parse(r.stdout) as ListEntry[];
    assert.deepEqual(entries.map((e) => [e.name, e.version, e.aliases]), [['synthetic', 1, ['champion']], ['synthetic', 2, ['challenger']]]);
    for (const e of entries) {
      assert.ok(!Number.isNaN(Date.parse(e.createdAt)));
      assert.equal(typeof e.metrics['roc_auc'], 'number');
    }
    const filtered = JSON.parse((await runCli(['models', 'list', 'synthetic', '--json'], env)).stdout) as ListEntry[];
    assert.equal(filtered.length, 2);
    assert.deepEqual(JSON.parse((await runCli(['models', 'list', 'other', '--json'], env)).stdout), []);
    const elsewhere = await runCli(['models', 'list', '--json', '--registry', join(await tempDir(t, 'models-other'), 'reg')], env);
    assert.deepEqual(JSON.parse(elsewhere.stdout), []);
  });

  test('models show NAME shows the champion; NAME@1, NAME@champion agree; NAME@latest and NAME@challenger are v2', async () => {
    const champion = await runCli(['models', 'show', 'synthetic'], env);
    assert.equal(champion.code, 0, champion.stderr);
    assert.match(champion.stdout, /^synthetic v1 \(tree-ensemble\) \[champion\]\n/);
    assert.match(champion.stdout, /^ {2}features {4}x1, x2, x3, noise$/m);
    assert.match(champion.stdout, /^ {2}parent {6}-$/m);
    assert.match(champion.stdout, /^ {2}thresholds {2}review 0\.\d{4}, decline 0\.\d{4}$/m);
    assert.match(champion.stdout, /roc_auc=0\.\d{4}/);
    assert.match(champion.stdout, /^ {2}onnx {8}.*synthetic\/1\/model\.onnx \(sha256 [0-9a-f]{16}…\)$/m);
    assert.match(champion.stdout, /^ {2}report {6}.*synthetic\/1\/report\.html$/m);
    assert.equal((await runCli(['models', 'show', 'synthetic@1'], env)).stdout, champion.stdout);
    assert.equal((await runCli(['models', 'show', 'synthetic@champion'], env)).stdout, champion.stdout);

    const latest = await runCli(['models', 'show', 'synthetic@latest'], env);
    assert.equal(latest.code, 0, latest.stderr);
    assert.match(latest.stdout, /^synthetic v2 \(tree-ensemble\) \[challenger\]\n/);
    assert.match(latest.stdout, /^ {2}parent {6}1$/m);
    assert.equal((await runCli(['models', 'show', 'synthetic@challenger'], env)).stdout, latest.stdout);
  });

  test('models show --json is the manifest with aliases and dir', async () => {
    const r = await runCli(['models', 'show', 'synthetic@2', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const m = JSON.parse(r.stdout) as { name: string; version: number; parentVersion: number; featureNames: string[]; aliases: string[]; dir: string };
    assert.equal(m.name, 'synthetic');
    assert.equal(m.version, 2);
    assert.equal(m.parentVersion, 1);
    assert.deepEqual(m.featureNames, FEATURES);
    assert.deepEqual(m.aliases, ['challenger']);
    assert.equal(m.dir, join(registryDir, 'synthetic', '2'));
  });

  test('models show NAME@bogus exits 2; a version that does not exist exits 1', async () => {
    const bogus = await runCli(['models', 'show', 'synthetic@bogus'], env);
    assert.equal(bogus.code, 2);
    assert.match(bogus.stderr, /unknown selector "@bogus": use a version number, @champion, @challenger or @latest/);
    const absent = await runCli(['models', 'show', 'synthetic@7'], env);
    assert.equal(absent.code, 1);
    assert.match(absent.stderr, /\[NOT_FOUND\] .*synthetic@7 does not exist/);
  });

  test('models rollback with a single champion fails clearly and changes nothing', async () => {
    const r = await runCli(['models', 'rollback', 'synthetic'], env);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^riskstream models: \[NOT_FOUND\] .*synthetic has no previous champion to roll back to\n$/);
    const aliases = await (await ModelRegistry.open(registryDir)).aliases('synthetic');
    assert.equal(aliases.champion, 1);
    assert.equal(aliases.challenger, 2);
  });

  test('models promote NAME 2 follows the recorded gate: refused (exit 1, MODEL_INVALID) when it failed', async () => {
    const gate = await recordedGate(registryDir, 'synthetic', 2);
    assert.equal(gate.promote, false, 'retraining the same data yields the same model, which the gate refuses');
    const r = await runCli(['models', 'promote', 'synthetic', '2'], env);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^riskstream models: \[MODEL_INVALID\] synthetic: version 2 was refused by the promotion gate: .*below the margin/);
    const aliases = await (await ModelRegistry.open(registryDir)).aliases('synthetic');
    assert.equal(aliases.champion, 1);
    assert.equal(aliases.challenger, 2);
  });
});

describe('models promote / rollback after a better model was promoted', () => {
  // v1 is trained where only `noise` carries the label, v2 on data where x1..x3 do: on v2's holdout v1
  // ranks at chance, so v2's gate (scored against v1 on that holdout) passes by a wide margin.
  let registryDir = '';
  let env: Record<string, string> = {};
  const suite = suiteDir('models-better');
  after(() => suite.remove());
  before(async () => {
    const dir = await suite.create();
    registryDir = join(dir, 'registry');
    env = registryEnv(registryDir);
    const weak = join(dir, 'weak.csv');
    const strong = join(dir, 'strong.csv');
    await writeSyntheticCsv(weak, { rows: 3000, seed: 21, signal: 'noise' });
    await writeSyntheticCsv(strong, { rows: 3000, seed: 22 });
    assert.match((await train(weak, 'fraud', env)).stdout, /^model fraud v1: PROMOTED/);
    await train(strong, 'fraud', env);
  });

  const champion = async () => (await (await ModelRegistry.open(registryDir)).aliases('fraud')).champion;

  test('v2 was promoted by its recorded gate', async () => {
    const gate = await recordedGate(registryDir, 'fraud', 2);
    assert.equal(gate.promote, true, gate.reasons.join('; '));
    assert.equal(await champion(), 2);
    const r = await runCli(['models', 'list', 'fraud', '--json'], env);
    assert.deepEqual((JSON.parse(r.stdout) as ListEntry[]).map((e) => [e.version, e.aliases]), [[1, []], [2, ['champion']]]);
  });

  test('promoting the current champion again is refused: its gate was evaluated against v1', async () => {
    const r = await runCli(['models', 'promote', 'fraud', '2'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^refused: v2's gate was evaluated against v1, but the champion is now v2; retrain/);
    assert.equal(await champion(), 2);
  });

  test('models rollback returns to v1; a second rollback has nowhere to go', async () => {
    const r = await runCli(['models', 'rollback', 'fraud'], env);
    assert.equal(r.code, 0, r.stderr);
    // The registry changes, then the change is announced for scoring (in this test's own topic namespace).
    assert.equal(r.stdout, 'fraud: champion is now v1\nannounced ROLLED_BACK fraud v1 on models.lifecycle.v1\n');
    assert.equal(await champion(), 1);
    assert.match((await runCli(['models', 'show', 'fraud'], env)).stdout, /^fraud v1 \(tree-ensemble\) \[champion\]/);
    const again = await runCli(['models', 'rollback', 'fraud'], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no previous champion/);
    assert.equal(await champion(), 1);
  });

  test('models promote NAME 2 re-promotes v2 while its gate parent (v1) is the champion', async () => {
    const r = await runCli(['models', 'promote', 'fraud', '2'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'fraud: v2 is the champion\nannounced PROMOTED fraud v2 on models.lifecycle.v1\n');
    assert.equal(await champion(), 2);
    const history = (await (await ModelRegistry.open(registryDir)).aliases('fraud')).history.filter((h) => h.alias === 'champion');
    assert.deepEqual(history.map((h) => [h.action, h.version]), [['promote', 1], ['promote', 2], ['rollback', 1], ['promote', 2]]);
    assert.match(history.at(-1)!.reason, /manual promotion/);
  });

  test('models promote of a version gated against another champion is refused', async () => {
    const r = await runCli(['models', 'promote', 'fraud', '1'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^refused: v1's gate was evaluated against no champion, but the champion is now v2/);
    assert.equal(await champion(), 2);
  });
});
