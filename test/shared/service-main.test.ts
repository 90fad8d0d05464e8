import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  ConfigError,
  DependencyError,
  EXIT_CODES,
  connectionSchema,
  createLogger,
  field,
  hostedService,
  serviceMain,
  serviceSchema,
  type ExitCode,
  type ServiceMainDeps,
  type ServiceMainSpec,
  type Stoppable,
} from '@riskstream/shared';

const schema = {
  port: field.int({ env: 'DEMO_PORT', description: 'demo port', default: 1, min: 0, max: 65535 }),
  apiUrl: field.url({ env: 'DEMO_API_URL', description: 'upstream URL with its token', protocols: ['https:'], default: 'https://example.test', secret: true }),
  logLevel: connectionSchema.logLevel,
} as const;

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

/** serviceMain with every effect captured: output, logs, exits, signals, and what `start` saw. */
function harness(overrides: Partial<ServiceMainSpec<typeof schema>> = {}, deps: Partial<ServiceMainDeps> = {}) {
  const stdout = sink();
  const stderr = sink();
  const logs = sink();
  const signals = new EventEmitter();
  const exits: ExitCode[] = [];
  const waiters: Array<() => void> = [];
  const started: unknown[] = [];
  let stops = 0;
  const spec: ServiceMainSpec<typeof schema> = {
    name: 'demo',
    summary: 'demo.in.v1 -> demo.out.v1',
    schema,
    async start(config) {
      started.push(config);
      return { stop: async () => void stops++ };
    },
    ...overrides,
  };
  const run = (argv: string[] = [], env: Record<string, string> = {}) =>
    serviceMain(spec, argv, env, {
      stdout: stdout.stream,
      stderr: stderr.stream,
      logger: createLogger('demo', { destination: logs.stream }),
      signals,
      exit: (code) => {
        exits.push(code);
        waiters.splice(0).forEach((w) => w());
      },
      ...deps,
    });
  const nextExit = () => (exits.length > 0 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r)));
  return { run, stdout, stderr, logs, signals, exits, nextExit, started, stops: () => stops };
}

test('serviceMain: --help and -h print "riskstream <name>: <summary>" and every variable, exit 0, start nothing', async () => {
  for (const flag of ['--help', '-h']) {
    const h = harness();
    await h.run([flag]);
    assert.deepEqual(h.exits, [EXIT_CODES.OK]);
    assert.ok(h.stdout.text().startsWith('riskstream demo: demo.in.v1 -> demo.out.v1\n'), h.stdout.text());
    for (const f of Object.values(schema)) assert.ok(h.stdout.text().includes(f.env), f.env);
    assert.equal(h.stderr.text(), '');
    assert.deepEqual(h.started, []);
  }
});

test('serviceMain: any other argument is a one-line usage error, exit 2', async () => {
  for (const argv of [['--port', '1'], ['serve'], ['--help', 'extra']]) {
    const h = harness();
    await h.run(argv);
    assert.deepEqual(h.exits, [EXIT_CODES.USAGE], argv.join(' '));
    assert.match(h.stderr.text(), /^demo: unexpected argument "[^"]+"[^\n]*\n$/);
    assert.equal(h.stdout.text(), '');
    assert.deepEqual(h.started, []);
  }
});

test('serviceMain: a bad config lists every problem, redacts secrets, prints no stack, exit 2', async () => {
  const h = harness();
  await h.run([], { DEMO_PORT: 'eighty', LOG_LEVEL: 'loud', DEMO_API_URL: 'not-a-url-tok3n-s3cret' });
  assert.deepEqual(h.exits, [EXIT_CODES.USAGE]);
  const err = h.stderr.text();
  assert.match(err, /^demo: invalid configuration \(3 problems\)/);
  for (const v of ['DEMO_PORT', 'LOG_LEVEL', 'DEMO_API_URL']) assert.ok(err.includes(v), v);
  // field.url quotes the bad value back; the value of a secret field never reaches the terminal.
  assert.ok(!err.includes('tok3n-s3cret'), err);
  assert.ok(err.includes('<redacted>'), err);
  assert.doesNotMatch(err, /^\s+at /m);
  assert.deepEqual(h.started, []);
});

test('serviceMain: cross-field check issues are reported with the field ones', async () => {
  const h = harness({ check: (c) => (c.port === 0 ? [{ field: 'DEMO_PORT', problem: 'must not be 0 here' }] : []) });
  await h.run([], { DEMO_PORT: '0' });
  assert.deepEqual(h.exits, [EXIT_CODES.USAGE]);
  assert.match(h.stderr.text(), /DEMO_PORT: must not be 0 here/);
});

test('serviceMain: a start-up AppError prints "<name>: <code>: <message>" without a stack, exit 1', async () => {
  const h = harness({
    start: () => Promise.reject(new DependencyError('kafka', 'no broker answered after 5 retries', new Error('ECONNREFUSED'))),
  });
  await h.run();
  assert.deepEqual(h.exits, [EXIT_CODES.FAILED]);
  assert.equal(h.stderr.text(), 'demo: DEPENDENCY_UNAVAILABLE: kafka: no broker answered after 5 retries\n');
});

test('serviceMain: a ConfigError found during start-up is a config error, exit 2', async () => {
  const h = harness({ start: () => Promise.reject(new ConfigError([{ field: 'DEMO_PORT', problem: 'is taken' }])) });
  await h.run();
  assert.deepEqual(h.exits, [EXIT_CODES.USAGE]);
  assert.match(h.stderr.text(), /^demo: invalid configuration \(1 problem\):\n {2}- DEMO_PORT: is taken\n$/);
});

test('serviceMain: any other start-up failure is logged with its stack, exit 1', async () => {
  const h = harness({ start: () => Promise.reject(new TypeError('undefined is not a function')) });
  await h.run();
  assert.deepEqual(h.exits, [EXIT_CODES.FAILED]);
  const log = JSON.parse(h.logs.text().trim().split('\n').at(-1)!) as { level: number; err: { stack: string } };
  assert.equal(log.level, 60);
  assert.match(log.err.stack, /TypeError: undefined is not a function\n\s+at /);
});

test('serviceMain: a check that throws (a bug, not bad config) is logged with its stack, exit 1', async () => {
  const h = harness({
    check: () => {
      throw new RangeError('bug in a check');
    },
  });
  await h.run();
  assert.deepEqual(h.exits, [EXIT_CODES.FAILED]);
  assert.match(h.logs.text(), /RangeError: bug in a check/);
  assert.equal(h.stderr.text(), '');
});

test('serviceMain: SIGTERM after start-up drains once and exits 0', async () => {
  const h = harness();
  await h.run([], { DEMO_PORT: '7' });
  assert.deepEqual(h.exits, []);
  assert.equal((h.started[0] as { port: number }).port, 7);
  h.signals.emit('SIGTERM', 'SIGTERM');
  await h.nextExit();
  assert.deepEqual(h.exits, [EXIT_CODES.OK]);
  assert.equal(h.stops(), 1);
});

test('serviceMain: SIGINT takes the same path', async () => {
  const h = harness();
  await h.run();
  h.signals.emit('SIGINT', 'SIGINT');
  await h.nextExit();
  assert.deepEqual(h.exits, [EXIT_CODES.OK]);
  assert.equal(h.stops(), 1);
});

test('serviceMain: a second signal during the drain forces exit 1, and the drain finishing later exits no more', async () => {
  let finishDrain!: () => void;
  const h = harness({ start: async () => ({ stop: () => new Promise<void>((r) => (finishDrain = r)) }) });
  await h.run();
  h.signals.emit('SIGTERM', 'SIGTERM');
  h.signals.emit('SIGTERM', 'SIGTERM');
  assert.deepEqual(h.exits, [EXIT_CODES.FAILED]);
  await new Promise((r) => setImmediate(r));
  finishDrain();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(h.exits, [EXIT_CODES.FAILED]);
});

test('serviceMain: a failed or timed-out drain exits 1', async () => {
  const failing = harness({ start: async () => ({ stop: () => Promise.reject(new Error('commit failed')) }) });
  await failing.run();
  failing.signals.emit('SIGTERM', 'SIGTERM');
  await failing.nextExit();
  assert.deepEqual(failing.exits, [EXIT_CODES.FAILED]);

  const hanging = harness({ start: async () => ({ stop: () => new Promise<void>(() => {}) }) }, { shutdownTimeoutMs: 20 });
  await hanging.run();
  hanging.signals.emit('SIGTERM', 'SIGTERM');
  await hanging.nextExit();
  assert.deepEqual(hanging.exits, [EXIT_CODES.FAILED]);
  assert.match(hanging.logs.text(), /drain timed out/);
});

test('serviceMain: a signal during start-up stops what started once it has, then exits 0', async () => {
  let finishStart!: (s: Stoppable) => void;
  let stopped = false;
  const h = harness({ start: () => new Promise<Stoppable>((r) => (finishStart = r)) });
  const main = h.run();
  await new Promise((r) => setImmediate(r));
  h.signals.emit('SIGTERM', 'SIGTERM');
  assert.deepEqual(h.exits, []);
  finishStart({ stop: async () => void (stopped = true) });
  await main;
  await h.nextExit();
  assert.ok(stopped);
  assert.deepEqual(h.exits, [EXIT_CODES.OK]);
});

test('serviceMain: a signal during a start-up that then fails exits once, with the start-up failure', async () => {
  let failStart!: (err: Error) => void;
  const h = harness({ start: () => new Promise<Stoppable>((_, reject) => (failStart = reject)) });
  const main = h.run();
  await new Promise((r) => setImmediate(r));
  h.signals.emit('SIGTERM', 'SIGTERM');
  failStart(new DependencyError('redis', 'unreachable'));
  await main;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(h.exits, [EXIT_CODES.FAILED]);
  assert.equal(h.stderr.text(), 'demo: DEPENDENCY_UNAVAILABLE: redis: unreachable\n');
});

test('hostedService: the connection rules always apply, with the service check, before anything starts', async () => {
  const hostSchema = { ...serviceSchema(8099), extra: field.optionalString({ env: 'DEMO_EXTRA', description: 'extra' }) };
  let built = false;
  const spec = hostedService({
    name: 'demo',
    summary: 'a -> b',
    schema: hostSchema,
    check: (c) => (c.extra === 'bad' ? [{ field: 'DEMO_EXTRA', problem: 'is bad' }] : []),
    build: async () => {
      built = true;
      return { runners: [] };
    },
  });
  const stderr = sink();
  const exits: ExitCode[] = [];
  await serviceMain(spec, [], { KAFKA_SASL_MECHANISM: 'scram-sha-256', DEMO_EXTRA: 'bad' }, { stderr: stderr.stream, exit: (c) => void exits.push(c), signals: new EventEmitter() });
  assert.deepEqual(exits, [EXIT_CODES.USAGE]);
  assert.match(stderr.text(), /KAFKA_SASL_USERNAME\/KAFKA_SASL_PASSWORD: are required/);
  assert.match(stderr.text(), /DEMO_EXTRA: is bad/);
  assert.equal(built, false);
});

test('hostedService: a schema without serviceSchema() does not type-check', () => {
  // @ts-expect-error -- no HTTP port or topic namespace: runService could not host it.
  hostedService({ name: 'x', summary: 'x', schema, build: async () => ({ runners: [] }) });
});

test('EXIT_CODES: distinct, and each one documented in service-main.ts', () => {
  const codes = Object.entries(EXIT_CODES);
  assert.equal(new Set(codes.map(([, c]) => c)).size, codes.length);
  const source = readFileSync(join(import.meta.dirname, '..', '..', 'shared', 'src', 'service-main.ts'), 'utf8');
  const doc = source.slice(0, source.indexOf('export const EXIT_CODES'));
  for (const [name, code] of codes) assert.match(doc, new RegExp(`\\n \\*\\s+${code}\\s+${name}\\s+\\S`), name);
});
