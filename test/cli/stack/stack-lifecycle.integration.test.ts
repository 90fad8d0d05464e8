import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runStackCommand } from '../../../cli/src/commands/stack-command.ts';
import { COMPONENT_NAMES } from '../../../cli/src/stack/components.ts';
import type { ComponentStatus } from '../../../cli/src/stack/stack-lifecycle.ts';

// `npm test` runs `stack up` first. These tests read the shared stack and never stop it; the
// up/down round trip runs a second, private stack on other ports in a temporary stack dir.

async function stack(args: string[], env: Readonly<Record<string, string | undefined>> = process.env) {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        into.push(chunk.toString());
        done();
      },
    });
  const code = await runStackCommand(args, { stdout: sink(out), stderr: sink(err), env });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

test('integration: stack status reports every component healthy after stack up', async () => {
  const r = await stack(['status', '--json']);
  const report = JSON.parse(r.stdout) as { healthy: boolean; components: ComponentStatus[] };
  const unhealthy = report.components.filter((c) => !c.healthy).map((c) => `${c.name}: ${c.detail}`);
  assert.deepEqual(unhealthy, [], 'run `riskstream stack up` before the integration tests');
  assert.equal(r.code, 0);
  assert.equal(report.healthy, true);
  assert.deepEqual(report.components.map((c) => c.name), [...COMPONENT_NAMES]);
  for (const c of report.components) {
    assert.notEqual(c.state, 'stopped', c.name);
    assert.equal(c.pid === null, c.state === 'external', c.name);
  }
});

test('integration: stack up on a running stack leaves everything alone and returns quickly', async () => {
  const t0 = Date.now();
  const r = await stack(['up']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
  assert.doesNotMatch(r.stdout, /starting/);
  for (const name of COMPONENT_NAMES) assert.match(r.stdout, new RegExp(`^${name}: (already running|external)`, 'm'));
});

test('integration: stack status exits 1 and says which component is down', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-stack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, RISKSTREAM_STACK_DIR: dir, PROMETHEUS_URL: 'http://127.0.0.1:1' };
  const r = await stack(['status', '--only', 'prometheus'], env);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^prometheus\s+-\s+1\s+no\s+/m);
});

test('integration: up, status, logs and down round-trip on a private stack without touching external Redis', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-stack-'));
  const env = {
    ...process.env,
    RISKSTREAM_STACK_DIR: dir,
    PROMETHEUS_URL: 'http://127.0.0.1:19090',
    ALERTMANAGER_URL: 'http://127.0.0.1:19093',
  };
  const only = ['--only', 'prometheus,alertmanager,redis'];
  t.after(async () => {
    await stack(['down', '--quiet', ...only], env);
    rmSync(dir, { recursive: true, force: true });
  });

  const up = await stack(['up', ...only, '--timeout', '60'], env);
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stdout, /^prometheus: healthy in/m);
  assert.match(up.stdout, /^alertmanager: healthy in/m);
  assert.match(up.stdout, /^redis: external/m);

  const status = JSON.parse((await stack(['status', '--json', ...only], env)).stdout) as { components: ComponentStatus[] };
  const byName = new Map(status.components.map((c) => [c.name, c]));
  assert.equal(byName.get('prometheus')?.state, 'managed');
  assert.equal(byName.get('prometheus')?.port, 19090);
  assert.equal(byName.get('redis')?.state, 'external');

  const logs = await stack(['logs', 'prometheus', '--lines', '3'], env);
  assert.equal(logs.code, 0);
  assert.equal(logs.stdout.trimEnd().split('\n').length, 3);

  const again = await stack(['up', ...only], env);
  assert.match(again.stdout, /^prometheus: already running \(pid \d+\)$/m);

  const down = await stack(['down', ...only], env);
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stdout, /^prometheus: stopped pid \d+/m);
  assert.match(down.stdout, /^redis: external, left alone$/m);
  assert.equal(existsSync(join(dir, 'run', 'prometheus.pid')), false);

  const after = await stack(['status', ...only], env);
  assert.equal(after.code, 1, 'prometheus and alertmanager are down');
  assert.match(after.stdout, /^redis\s+external\s+6379\s+yes/m);
});

test('integration: with nothing on REDIS_URL the stack runs its own Redis and stops it by pid', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-stack-'));
  const env = { ...process.env, RISKSTREAM_STACK_DIR: dir, REDIS_URL: 'redis://127.0.0.1:16379' };
  t.after(async () => {
    await stack(['down', '--quiet', '--only', 'redis'], env);
    rmSync(dir, { recursive: true, force: true });
  });
  const up = await stack(['up', '--only', 'redis'], env);
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stdout, /^redis: healthy in .* \(pid \d+\)$/m);
  // redis-server retitles its argv[0]; the pid file must still recognise it as ours.
  const status = JSON.parse((await stack(['status', '--json', '--only', 'redis'], env)).stdout) as { components: ComponentStatus[] };
  assert.equal(status.components[0]?.state, 'managed');
  const down = await stack(['down', '--only', 'redis'], env);
  assert.match(down.stdout, /^redis: stopped pid \d+/m);
  assert.equal((await stack(['status', '--only', 'redis'], env)).code, 1);
});
