import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ModelRegistry } from '@riskstream/training';
import { banditStartWeights } from '../../../cli/src/commands/experiment-command.ts';
import { draft, onnxBytes, passingGate, tempRoot } from '../../training/registry/registry-fixtures.ts';
import { runCli } from './cli-io.ts';

/** A registry with v1 (champion), v2 and v3, and an env that only changes the registry. */
async function setup(t: TestContext, driftMonitorUrl = 'http://127.0.0.1:9') {
  const root = await tempRoot(t);
  const registry = await ModelRegistry.open(root);
  for (const m of [-2, -1, 0]) await registry.register('fraud', { onnx: onnxBytes(m), manifest: draft() });
  await registry.promote('fraud', 1, passingGate());
  const env = { MODEL_REGISTRY_DIR: root, RISKSTREAM_NO_PUBLISH: '1', DRIFT_MONITOR_URL: driftMonitorUrl };
  return { registry, env, cli: (...args: string[]) => runCli(['experiment', ...args], env) };
}

/** A drift monitor answering GET /v1/experiments/exp with these arms' value per event. */
async function fakeDriftMonitor(t: TestContext, values: Record<string, { blended: number; ci: [number, number] }>): Promise<string> {
  const server = createServer((req, res) => {
    if (req.url !== '/v1/experiments/exp') return void res.writeHead(404).end();
    const arms = Object.entries(values).map(([arm, valuePerEvent]) => ({
      arm, weight: 0.5, stopped: false, events: 6000, labelled: 4000, decisions: { APPROVE: 5800, REVIEW: 150, DECLINE: 50 },
      precision: { realised: 0.4, realisedCi: [0.35, 0.45], estimated: 0.42 }, recall: { realised: 0.6, realisedCi: [0.5, 0.7], estimated: 0.55 },
      value: { realised: 1, estimated: 1, blended: 1 }, valuePerEvent, probabilityBest: 0.5,
    }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'exp', mode: 'split', currency: 'EUR', arms }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('start --split records fixed shares with the champion first; a second start and bad shares are refused', async (t) => {
  const { registry, cli } = await setup(t);
  assert.equal((await cli('start', '--name', 'exp', '--arms', 'champion,v2', '--split', '110,-10')).code, 2);
  assert.match((await cli('start', '--name', 'exp', '--arms', 'champion,v2', '--split', '80,10')).stderr, /sum to 100/);
  assert.match((await cli('start', '--name', 'exp', '--arms', 'v2,champion')).stderr, /first arm must be the champion/);
  assert.match((await cli('start', '--name', 'exp', '--arms', 'champion,challenger')).stderr, /no challenger is set/);
  const r = await cli('start', '--name', 'exp', '--arms', 'champion,v2,3', '--split', '80,10,10');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /experiment exp started \(split\): champion \(v1\) 80\.0%, v2 \(v2\) 10\.0%, 3 \(v3\) 10\.0%/);
  const spec = (await registry.aliases('fraud')).experiment!;
  assert.deepEqual(spec.arms, [{ arm: 'champion', version: 1 }, { arm: 'v2', version: 2 }, { arm: '3', version: 3 }]);
  assert.deepEqual(spec.weights, [0.8, 0.1, 0.1]);
  assert.match((await cli('start', '--name', 'again', '--arms', 'champion,v2')).stderr, /already runs experiment "exp"/);
});

test('start --bandit caps every new arm at --max-share; status shows the registry\'s experiment without the drift monitor', async (t) => {
  assert.deepEqual(banditStartWeights(3, 0.2), [0.6, 0.2, 0.2]);
  assert.deepEqual(banditStartWeights(2, 0.9), [0.5, 0.5]);
  const { registry, cli } = await setup(t);
  const r = await cli('start', '--name', 'exp', '--arms', 'champion,v2', '--bandit', 'thompson', '--max-share', '0.1', '--min-events', '100');
  assert.equal(r.code, 0, r.stderr);
  const spec = (await registry.aliases('fraud')).experiment!;
  assert.equal(spec.mode, 'bandit');
  assert.deepEqual(spec.weights, [0.9, 0.1]);
  assert.equal(spec.minEvents, 100);
  const status = await cli('status');
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /experiment exp \(bandit\)/);
  assert.match(status.stdout, /no live statistics: the drift monitor is not reachable/);
  assert.match(status.stdout, /v2 +v2 +10\.0%/);
});

test('status prints each arm\'s live figures with intervals; stop sends every card back to the champion', async (t) => {
  const url = await fakeDriftMonitor(t, { champion: { blended: 0.5, ci: [0.4, 0.6] }, v2: { blended: 0.9, ci: [0.8, 1.0] } });
  const { registry, cli } = await setup(t, url);
  await cli('start', '--name', 'exp', '--arms', 'champion,v2');
  const status = await cli('status');
  assert.match(status.stdout, /v2 +v2 +50\.0% +6000 +4000 +5800\/150\/50 +40\.0% \[35\.0%, 45\.0%\] \/ 42\.0%/);
  assert.match(status.stdout, /0\.900 \[0\.800, 1\.000\]/);
  const json = JSON.parse((await cli('status', '--json')).stdout) as { live: { currency: string } };
  assert.equal(json.live.currency, 'EUR');
  assert.equal((await cli('stop', '--reason', 'enough')).code, 0);
  const aliases = await registry.aliases('fraud');
  assert.equal(aliases.experiment, undefined);
  assert.equal(aliases.endedExperiments?.[0]?.reason, 'enough');
  assert.match((await cli('status')).stderr, /runs no experiment/);
});

test('promote needs the arm shown better than the champion (or --force), then stops the experiment and promotes it', async (t) => {
  const worse = await fakeDriftMonitor(t, { champion: { blended: 0.5, ci: [0.4, 0.6] }, v2: { blended: 0.55, ci: [0.45, 0.65] } });
  const a = await setup(t, worse);
  await a.cli('start', '--name', 'exp', '--arms', 'champion,v2');
  const refused = await a.cli('promote', '--arm', 'v2');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /refused: the arm is not shown better/);
  assert.equal((await a.registry.aliases('fraud')).champion, 1);
  assert.equal((await a.cli('promote', '--arm', 'v2', '--force')).code, 0);
  assert.equal((await a.registry.aliases('fraud')).champion, 2);

  const better = await fakeDriftMonitor(t, { champion: { blended: 0.5, ci: [0.4, 0.6] }, v2: { blended: 0.9, ci: [0.8, 1.0] } });
  const b = await setup(t, better);
  await b.cli('start', '--name', 'exp', '--arms', 'champion,v2');
  assert.match((await b.cli('promote', '--arm', 'nope')).stderr, /no arm "nope"/);
  const promoted = await b.cli('promote', '--arm', 'v2');
  assert.equal(promoted.code, 0, promoted.stderr);
  const aliases = await b.registry.aliases('fraud');
  assert.equal(aliases.champion, 2);
  assert.equal(aliases.experiment, undefined);
  assert.match(aliases.history.at(-1)!.reason, /experiment exp: arm v2 promoted/);
  assert.match(aliases.history.at(-1)!.gate!.reasons[0]!, /live value per event 0\.9000 vs champion 0\.5000 EUR/);
});
