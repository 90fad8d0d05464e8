/**
 * The pipeline over secured connections (issue 13): Kafka SASL_SSL with SCRAM-SHA-512, Redis over TLS
 * with an ACL user, on a private secured stack (test/support/secure-stack.ts; the schema registry is the
 * shared stack's, plain HTTP on loopback). Passwords reach the processes through *_FILE variables only.
 *  - the fused pipeline scores every transaction exactly once (read_committed);
 *  - a wrong Kafka password and a wrong Redis password each stop a process within seconds with
 *    CREDENTIALS_REJECTED naming the dependency and the settings to check, never the password;
 *  - the pipeline's Redis user is refused FLUSHALL, CONFIG and KEYS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueId } from '../support/integration.ts';
import { startChild, type ChildService } from '../support/child-service.ts';
import { pipelineEnv } from '../support/pipeline-env.ts';
import { startSecureStack } from '../support/secure-stack.ts';
import { namespaceOn, produceRaw, scoredTransactionIds, streamTransactions, trainTestModel } from './pipeline-run.ts';

const N = 3000;
const FAIL_FAST_MS = 20_000;

const root = await mkdtemp(join(tmpdir(), 'rs-secure-pipeline-'));
const redisPrefix = `sec-${uniqueId()}:`;
const [registryDir, stack] = await Promise.all([trainTestModel(root), startSecureStack({ redisKeyPrefix: redisPrefix })]);
const children: ChildService[] = [];

test.after(async () => {
  for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  await stack.stop();
  await rm(root, { recursive: true, force: true });
});

async function fusedEnv(label: string): Promise<Record<string, string>> {
  const env = await namespaceOn(stack.config, label);
  return { ...pipelineEnv(env, registryDir, redisPrefix), ...stack.processEnv(), INSTANCE_ID: label };
}

function start(env: Record<string, string>): ChildService {
  const c = startChild('services/fused/src/main.ts', env);
  children.push(c);
  return c;
}

async function wrongPasswordFile(name: string): Promise<{ file: string; password: string }> {
  const password = `wrong-${name}-${uniqueId()}`;
  const file = join(root, `wrong-${name}`);
  await writeFile(file, `${password}\n`);
  return { file, password };
}

test(`integration: security: the fused pipeline over Kafka SASL_SSL (SCRAM-SHA-512) and Redis TLS + ACL scores ${N.toLocaleString('en')} transactions exactly once; no password in its output`, async (t) => {
  const env = await namespaceOn(stack.config, 'secure-e2e');
  t.after(() => env.cleanup());
  const childEnv = { ...pipelineEnv(env, registryDir, redisPrefix), ...stack.processEnv(), INSTANCE_ID: 'fused' };
  const fused = start(childEnv);
  const started = Date.now();
  await produceRaw(env, streamTransactions(N));
  const { records, ids } = await scoredTransactionIds(env, N, 240_000);
  t.diagnostic(`${N} scored over SASL_SSL + rediss in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  assert.equal(ids.size, N, 'every transaction scored');
  assert.equal(records, N, 'none twice');
  // The features really went through the ACL user: its keys are there.
  const admin = stack.adminRedis();
  await admin.connect();
  const [, keys] = await admin.scan('0', 'MATCH', `${redisPrefix}*`, 'COUNT', 10_000);
  admin.disconnect();
  assert.ok(keys.length > 0, 'feature and dedup keys under the prefix');
  fused.child.kill('SIGTERM');
  assert.deepEqual(await fused.exited(), { code: 0, signal: null });
  for (const secret of [stack.kafkaPassword, stack.redisPassword]) assert.ok(!fused.output().includes(secret), 'a password in the output');
});

/** fused with one wrong password file: it must exit 1 within FAIL_FAST_MS, naming the rejection and no password. */
async function assertRejected(dependency: 'kafka' | 'redis', passwordFileEnv: string, expected: RegExp): Promise<void> {
  const wrong = await wrongPasswordFile(dependency);
  const env = { ...(await fusedEnv(`wrong-${dependency}`)), [passwordFileEnv]: wrong.file };
  const started = Date.now();
  const c = start(env);
  const exit = await c.exited();
  const elapsed = Date.now() - started;
  const out = c.output();
  assert.deepEqual(exit, { code: 1, signal: null }, out);
  assert.ok(elapsed < FAIL_FAST_MS, `exited after ${elapsed} ms`);
  assert.match(out, expected);
  for (const secret of [wrong.password, stack.kafkaPassword, stack.redisPassword]) assert.ok(!out.includes(secret), out);
}

test('integration: security: a wrong Kafka password stops a process within seconds with CREDENTIALS_REJECTED, not the password', () =>
  assertRejected('kafka', 'KAFKA_SASL_PASSWORD_FILE', /fused: CREDENTIALS_REJECTED: kafka: .*SASL.*(KAFKA_SASL_USERNAME|KAFKA_SASL_PASSWORD)/));

test('integration: security: a wrong Redis password stops a process within seconds with CREDENTIALS_REJECTED, not the password', () =>
  assertRejected('redis', 'REDIS_PASSWORD_FILE', /fused: CREDENTIALS_REJECTED: redis: WRONGPASS .*REDIS_PASSWORD/));

test('integration: security: the pipeline\'s Redis user gets NOPERM for FLUSHALL, CONFIG, KEYS and keys outside its prefix', async () => {
  const redis = stack.pipelineRedis();
  await redis.connect();
  try {
    for (const command of [['FLUSHALL'], ['FLUSHDB'], ['CONFIG', 'GET', 'requirepass'], ['CONFIG', 'SET', 'appendonly', 'yes'], ['KEYS', '*'], ['ACL', 'LIST'], ['SCRIPT', 'FLUSH']]) {
      await assert.rejects(redis.call(command[0]!, command.slice(1)), /^ReplyError: NOPERM/, command.join(' '));
    }
    await assert.rejects(redis.get('someone-else:key'), /NOPERM/);
    // What it needs still works.
    assert.equal(await redis.set(`${redisPrefix}probe`, '1', 'EX', 60), 'OK');
    assert.equal(await redis.get(`${redisPrefix}probe`), '1');
  } finally {
    redis.disconnect();
  }
});
