import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import { EXIT_CODES } from '@riskstream/shared';
import { runCli, tempDir } from './cli-io.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

test('riskstream ui --help documents the flags and every variable', async () => {
  const r = await runCli(['ui', '--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^riskstream ui: /);
  for (const text of ['--port N', '--host H', '--registry DIR', 'UI_PORT', 'HTTP_HOST', 'UI_API_KEYS', 'GRAFANA_URL', 'DRIFT_MONITOR_URL', 'MODEL_REGISTRY_DIR']) {
    assert.ok(r.stdout.includes(text), text);
  }
});

test('riskstream ui --port 0 --registry DIR prints its URL, serves, and drains on SIGTERM and SIGINT', async (t) => {
  const registry = join(await tempDir(t, 'ui'), 'registry');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const child = spawn(process.execPath, [join(ROOT, 'cli/bin/riskstream.ts'), 'ui', '--port', '0', '--registry', registry], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', KAFKA_BROKERS: '127.0.0.1:1', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(child, 'exit');
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /riskstream ui: (http:\/\/127\.0\.0\.1:\d+\/) \(registry (.*), read-only\)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', () => reject(new Error(`exited before listening: ${out}`)));
    });
    assert.ok(out.includes(registry), out);
    assert.equal((await fetch(`${url}healthz`)).status, 200);
    assert.deepEqual(await (await fetch(`${url}api/models`)).json(), { models: [] });
    child.kill(signal);
    const [code] = await exited;
    assert.equal(code, EXIT_CODES.OK, out);
  }
});

async function refused(t: Parameters<typeof tempDir>[0], env: Record<string, string>): Promise<string> {
  const registry = join(await tempDir(t, 'ui-bad'), 'registry');
  const child = spawn(process.execPath, [join(ROOT, 'cli/bin/riskstream.ts'), 'ui', '--registry', registry], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = await once(child, 'exit');
  assert.equal(code, EXIT_CODES.USAGE, err);
  assert.match(err, /^ui: invalid configuration/);
  return err;
}

test('riskstream ui refuses a bad port with exit 2', async (t) => {
  assert.match(await refused(t, { UI_PORT: '99999' }), /UI_PORT: must be <= 65535/);
});

test('riskstream ui reports a bad UI_API_KEYS and bad DRIFT_* settings together, never echoing a secret', async (t) => {
  const err = await refused(t, { UI_API_KEYS: 'k:too-short-secret'.slice(0, 9), DRIFT_ALPHA: '7' });
  assert.match(err, /UI_API_KEYS: secret of key "k" must have at least 16 characters/);
  assert.match(err, /DRIFT_ALPHA: must be <= 0.5/);
  assert.doesNotMatch(err, /too-sh/);
});
