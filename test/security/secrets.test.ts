import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  AppError,
  ConfigError,
  EXIT_CODES,
  checkConnectionConfig,
  connectionSchema,
  createLogger,
  describeConfig,
  field,
  loadConfig,
  serviceMain,
  type ExitCode,
} from '@riskstream/shared';
import { ingestConfigSchema } from '../../services/ingest/src/config.ts';

const KAFKA_PASSWORD = 'kafka-pa55-Zq9xW';
const REDIS_PASSWORD = 'redis-pa55-Hk2vB';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'rs-secrets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

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

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

test('every secret field of the connection and ingest schemas can come from <VAR>_FILE (one trailing newline dropped)', (t) => {
  const dir = tempDir(t);
  const key = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
  const files = { KAFKA_SASL_PASSWORD: KAFKA_PASSWORD, REDIS_PASSWORD, SCHEMA_REGISTRY_PASSWORD: 'registry-pw', CARD_TOKEN_KEYS: key, INGEST_HTTP_API_KEYS: 'a:0123456789abcdef0123456789abcdef' };
  const env: Record<string, string> = { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'pipeline', REDIS_USERNAME: 'features' };
  for (const [name, value] of Object.entries(files)) {
    writeFileSync(join(dir, name), `${value}\n`);
    env[`${name}_FILE`] = join(dir, name);
  }
  const c = loadConfig(ingestConfigSchema, env, checkConnectionConfig);
  assert.equal(c.kafkaSaslPassword, KAFKA_PASSWORD);
  assert.equal(c.redisPassword, REDIS_PASSWORD);
  assert.equal(c.schemaRegistryPassword, 'registry-pw');
  assert.equal(c.cardTokenKeys, key);
  assert.equal(c.httpApiKeys, 'a:0123456789abcdef0123456789abcdef');
  // Only secrets have a file variant: a non-secret's _FILE is not read.
  assert.equal(loadConfig(connectionSchema, { KAFKA_CLIENT_ID_FILE: join(dir, 'REDIS_PASSWORD') }).kafkaClientId, 'riskstream');
});

test('a secret set both ways, or a file that cannot be read, is a config problem that names the variable, not the value', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'pw'), KAFKA_PASSWORD);
  const both = configError(() => loadConfig(connectionSchema, { KAFKA_SASL_PASSWORD: REDIS_PASSWORD, KAFKA_SASL_PASSWORD_FILE: join(dir, 'pw') }));
  assert.deepEqual(both.issues, [{ field: 'KAFKA_SASL_PASSWORD/KAFKA_SASL_PASSWORD_FILE', problem: 'set one of them, not both' }]);
  const missing = configError(() => loadConfig(connectionSchema, { REDIS_PASSWORD_FILE: join(dir, 'absent') }));
  assert.deepEqual(missing.issues, [{ field: 'REDIS_PASSWORD_FILE', problem: `cannot read ${join(dir, 'absent')} (ENOENT)` }]);
  for (const err of [both, missing]) {
    assert.ok(!err.message.includes(KAFKA_PASSWORD) && !err.message.includes(REDIS_PASSWORD), err.message);
  }
});

test('a secret whose value fails its parser is reported without the value (from the variable or the file)', (t) => {
  const dir = tempDir(t);
  const schema = { token: field.url({ env: 'UPSTREAM_URL', description: 'upstream with its token', protocols: ['https:'], secret: true }) };
  const bad = 'not-a-url-s3cr3t-t0ken';
  writeFileSync(join(dir, 'url'), bad);
  for (const env of [{ UPSTREAM_URL: bad }, { UPSTREAM_URL_FILE: join(dir, 'url') }]) {
    const err = configError(() => loadConfig(schema, env));
    assert.equal(err.issues[0]!.field, 'UPSTREAM_URL');
    assert.match(err.issues[0]!.problem, /must be a URL, got "<redacted>"/);
    assert.ok(!err.message.includes(bad));
  }
});

test('--help names the _FILE variant of every secret and shows no secret default', () => {
  const help = describeConfig(connectionSchema);
  for (const v of ['KAFKA_SASL_PASSWORD', 'REDIS_PASSWORD', 'SCHEMA_REGISTRY_PASSWORD']) assert.match(help, new RegExp(`${v} .*\\(or ${v}_FILE: a file holding it\\)`));
});

test('serviceMain: a secret from a file never reaches stderr or the logs, whatever quotes it', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'kafka'), `${KAFKA_PASSWORD}\n`);
  writeFileSync(join(dir, 'redis'), REDIS_PASSWORD);
  const stderr = sink();
  const logs = sink();
  const exits: ExitCode[] = [];
  const env = {
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: 'pipeline',
    KAFKA_SASL_PASSWORD_FILE: join(dir, 'kafka'),
    REDIS_USERNAME: 'features',
    REDIS_PASSWORD_FILE: join(dir, 'redis'),
  };
  const logger = createLogger('secrets-demo', { destination: logs.stream });
  await serviceMain(
    {
      name: 'secrets-demo',
      summary: 'a start-up that fails quoting its credentials',
      schema: connectionSchema,
      async start(config) {
        // A careless log line and an error that quote the secrets: both must come out redacted.
        logger.info({ config, url: `redis://features:${config.redisPassword}@host` }, `connecting with ${config.kafkaSaslPassword}`);
        logger.error({ err: new Error(`auth failed for ${config.kafkaSaslPassword}`) }, 'kafka error');
        throw new AppError('DEPENDENCY_UNAVAILABLE', `redis://features:${config.redisPassword}@host refused`);
      },
    },
    [],
    env,
    { stderr: stderr.stream, logger, exit: (c) => void exits.push(c), signals: new EventEmitter() },
  );
  assert.deepEqual(exits, [EXIT_CODES.FAILED]);
  const everything = stderr.text() + logs.text();
  assert.ok(!everything.includes(KAFKA_PASSWORD), everything);
  assert.ok(!everything.includes(REDIS_PASSWORD), everything);
  assert.match(stderr.text(), /DEPENDENCY_UNAVAILABLE: redis:\/\/features:<redacted>@host refused/);
  assert.match(logs.text(), /connecting with <redacted>/);
  assert.match(logs.text(), /auth failed for <redacted>/);
});

test('the logger redacts credential fields by name even when no secret is registered', () => {
  const logs = sink();
  const logger = createLogger('redact-by-name', { destination: logs.stream });
  logger.info({ password: 'by-name-pw', kafka: { sasl: { mechanism: 'scram-sha-512', password: 'nested-pw' } }, headers: { authorization: 'Bearer tok' } }, 'x');
  const line = logs.text();
  for (const v of ['by-name-pw', 'nested-pw', 'Bearer tok']) assert.ok(!line.includes(v), line);
});
