import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { UsageError } from '@riskstream/shared';
import { parseStackArgs } from '../../../cli/src/commands/stack-args.ts';
import { runStackCommand } from '../../../cli/src/commands/stack-command.ts';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

async function run(args: string[], env: Record<string, string> = {}) {
  const out = capture();
  const err = capture();
  const code = await runStackCommand(args, { stdout: out.stream, stderr: err.stream, env });
  return { code, stdout: out.text(), stderr: err.text() };
}

test('stack up: defaults and every option', () => {
  assert.deepEqual(parseStackArgs(['up']), { kind: 'up', quiet: false });
  assert.deepEqual(parseStackArgs(['up', '--quiet', '--only', 'kafka,registry', '--timeout', '30']), {
    kind: 'up',
    quiet: true,
    only: ['kafka', 'schema-registry'],
    timeoutSeconds: 30,
  });
});

test('stack up: --only rejects unknown components and de-duplicates', () => {
  assert.throws(() => parseStackArgs(['up', '--only', 'kafka,zookeeper']), (e: unknown) => e instanceof UsageError && /zookeeper/.test(e.message));
  assert.throws(() => parseStackArgs(['up', '--only', ',']), UsageError);
  assert.deepEqual(parseStackArgs(['up', '--only', 'redis,redis']), { kind: 'up', quiet: false, only: ['redis'] });
});

test('stack up --brokers: 1 or 3 Kafka nodes', () => {
  assert.deepEqual(parseStackArgs(['up', '--brokers', '3']), { kind: 'up', quiet: false, brokers: 3 });
  assert.deepEqual(parseStackArgs(['up', '--brokers', '1', '--only', 'kafka']), { kind: 'up', quiet: false, only: ['kafka'], brokers: 1 });
  for (const bad of ['2', '0', '3.0', 'three', '']) {
    assert.throws(() => parseStackArgs(['up', '--brokers', bad]), (e: unknown) => e instanceof UsageError && /--brokers must be 1 or 3/.test(e.message), bad);
  }
  assert.throws(() => parseStackArgs(['down', '--brokers', '3']), UsageError, 'the size is chosen by up only');
});

test('stack up: --timeout must be a positive whole number', () => {
  for (const bad of ['0', '-5', '1.5', 'soon']) {
    assert.throws(() => parseStackArgs(['up', '--timeout', bad]), UsageError, bad);
  }
});

test('stack down, status and logs parse their options', () => {
  assert.deepEqual(parseStackArgs(['down', '--purge']), { kind: 'down', quiet: false, purge: true });
  assert.deepEqual(parseStackArgs(['status', '--json']), { kind: 'status', json: true });
  assert.deepEqual(parseStackArgs(['logs']), { kind: 'logs', lines: 50, follow: false });
  assert.deepEqual(parseStackArgs(['logs', 'kafka', '--lines', '5', '--follow']), { kind: 'logs', component: 'kafka', lines: 5, follow: true });
  assert.deepEqual(parseStackArgs(['logs', 'registry', '-n', '0', '-f']), { kind: 'logs', component: 'schema-registry', lines: 0, follow: true });
});

test('unknown options, extra arguments and unknown commands are usage errors', () => {
  assert.throws(() => parseStackArgs([]), UsageError);
  assert.throws(() => parseStackArgs(['restart']), UsageError);
  assert.throws(() => parseStackArgs(['up', '--bogus']), UsageError);
  assert.throws(() => parseStackArgs(['status', 'kafka']), UsageError);
  assert.throws(() => parseStackArgs(['logs', 'kafka', 'redis']), UsageError);
  assert.throws(() => parseStackArgs(['logs', 'zookeeper']), UsageError);
});

test('every subcommand answers --help with its usage and exit code 0, touching nothing', async () => {
  for (const sub of ['up', 'down', 'status', 'logs']) {
    const r = await run([sub, '--help'], { RISKSTREAM_STACK_DIR: '/nonexistent/never-created' });
    assert.equal(r.code, 0, sub);
    assert.match(r.stdout, new RegExp(`^Usage: riskstream stack ${sub}`), sub);
    assert.equal(r.stderr, '');
  }
  const top = await run(['--help']);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /Commands:\n {2}up/);
  assert.match(top.stdout, /RISKSTREAM_STACK_DIR/);
});

test('usage errors exit 2 with a pointer to --help', async () => {
  const r = await run(['up', '--bogus']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--bogus/);
  assert.match(r.stderr, /riskstream stack up --help/);
  assert.equal(r.stdout, '');
});

test('invalid configuration exits 2 and names the variable', async () => {
  const r = await run(['status'], { KAFKA_CONTROLLER_PORT: 'ninety' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /KAFKA_CONTROLLER_PORT/);
});
