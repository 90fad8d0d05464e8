import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_CODES } from '@riskstream/shared';
import { SERVICES } from '../../cli/src/services/service-processes.ts';

/**
 * Every service process answers an operator the same way (serviceMain): --help, a bad argument, a bad
 * config. The entry points are found on disk (every services/<name>/src/main.ts) and in the list
 * `riskstream services up` starts (the trainer, the model server), so a new service is covered as soon
 * as its main.ts exists.
 */
const ROOT = join(import.meta.dirname, '..', '..');

interface EntryPoint {
  readonly name: string;
  readonly entry: string;
  readonly args: readonly string[];
}

function entryPoints(): EntryPoint[] {
  const found = new Map<string, EntryPoint>();
  for (const s of SERVICES) found.set([s.entry, ...(s.args ?? [])].join(' '), { name: s.name, entry: s.entry, args: s.args ?? [] });
  for (const dir of readdirSync(join(ROOT, 'services'), { withFileTypes: true })) {
    const entry = `services/${dir.name}/src/main.ts`;
    if (dir.isDirectory() && existsSync(join(ROOT, entry)) && !found.has(entry)) found.set(entry, { name: dir.name, entry, args: [] });
  }
  return [...found.values()];
}

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(ep: EntryPoint, argv: readonly string[], env: Record<string, string> = {}): Promise<Outcome> {
  // Only what Node needs: a developer's own HTTP_PORT or KAFKA_BROKERS must not change the outcome.
  const base = Object.fromEntries(['PATH', 'HOME'].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])));
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, ep.entry), ...ep.args, ...argv], { cwd: ROOT, env: { ...base, ...env }, timeout: 60000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const STACK_LINE = /^\s+at /m;
const SECRET = 'kafka-password-that-must-not-leak';

const ENTRY_POINTS = entryPoints();

test('entry points: every services/*/src/main.ts, the trainer and the model server are found', () => {
  const names = ENTRY_POINTS.map((e) => e.name);
  for (const name of ['ingest', 'features', 'scoring', 'drift-monitor', 'alert-receiver', 'archiver', 'trainer', 'model-server']) {
    assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
  }
});

for (const ep of ENTRY_POINTS) {
  test(`${ep.name}: --help exits 0, an unknown argument 2, a bad config 2 with every problem and no stack`, async () => {
    const [help, unknown, badConfig] = await Promise.all([
      run(ep, ['--help']),
      run(ep, ['--no-such-option']),
      run(ep, [], { HTTP_PORT: 'not-a-port', LOG_LEVEL: 'loud', KAFKA_SASL_PASSWORD: SECRET }),
    ]);

    assert.equal(help.code, EXIT_CODES.OK, help.stderr);
    assert.ok(help.stdout.startsWith(`riskstream ${ep.name}: `), help.stdout.slice(0, 200));
    assert.match(help.stdout, /^\s+[A-Z][A-Z0-9_]+\s+\S/m, 'names an environment variable');
    assert.match(help.stdout, /\bHTTP_PORT\b/);

    assert.equal(unknown.code, EXIT_CODES.USAGE, unknown.stderr);
    assert.match(unknown.stderr, /--no-such-option/);
    assert.equal(unknown.stderr.trimEnd().split('\n').length, 1, unknown.stderr);
    assert.doesNotMatch(unknown.stderr, STACK_LINE);

    assert.equal(badConfig.code, EXIT_CODES.USAGE, badConfig.stderr + badConfig.stdout);
    assert.match(badConfig.stderr, new RegExp(`^${ep.name}: invalid configuration`));
    assert.match(badConfig.stderr, /HTTP_PORT: must be an integer/);
    assert.match(badConfig.stderr, /LOG_LEVEL: must be one of/);
    assert.doesNotMatch(badConfig.stderr, STACK_LINE);
    assert.ok(!(badConfig.stdout + badConfig.stderr).includes(SECRET), 'a secret is never echoed');
  });
}

test('model-server: SIGTERM and SIGINT drain and exit 0, through the same path as every service', async (t) => {
  const registry = mkdtempSync(join(tmpdir(), 'riskstream-registry-'));
  t.after(() => rmSync(registry, { recursive: true, force: true }));
  const ep = ENTRY_POINTS.find((e) => e.name === 'model-server')!;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const child = spawn(process.execPath, [join(ROOT, ep.entry), ...ep.args, '--port', '0'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', MODEL_REGISTRY_DIR: registry },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const exited = once(child, 'exit');
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('model server started')) resolve();
      });
      child.once('exit', () => reject(new Error(`exited before starting: ${out}`)));
    });
    child.kill(signal);
    const [code] = await exited;
    assert.equal(code, EXIT_CODES.OK, out);
    assert.match(out, /"msg":"shutdown complete"/);
  }
});
