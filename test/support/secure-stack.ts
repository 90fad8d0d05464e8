import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { logLevel } from 'kafkajs';
import { connectionSchema, createKafka, loadConfig, type ConnectionConfig } from '@riskstream/shared';
import { ArtifactCache } from '../../cli/src/stack/artifact-cache.ts';
import { javaCommand } from '../../cli/src/stack/jvm.ts';
import { kafkaNodes, randomClusterId } from '../../cli/src/stack/kafka-cluster.ts';
import { jvmFlags, kafkaClasspath, renderLog4jProperties, renderServerProperties } from '../../cli/src/stack/kafka.ts';
import { loadStackConfig } from '../../cli/src/stack/stack-config.ts';
import { freePort, waitFor } from './child-service.ts';

/**
 * A private secured stack for the security tests, in a temp dir, on free ports, gone after stop():
 *  - a throwaway CA and a server certificate for 127.0.0.1/localhost (openssl);
 *  - one Kafka node (KRaft, the stack's own server.properties and cached jars) with a SASL_SSL listener,
 *    SCRAM-SHA-512, its users created at format time. Its PLAINTEXT listener stays on loopback for
 *    inter-broker and controller traffic; clients here use only SASL_SSL;
 *  - redis-server with TLS only (--port 0) and ACL users: the default user off, an admin for the test's
 *    own checks, and the pipeline's user allowed only what ingest's dedup and the feature store run,
 *    on the run's key prefix.
 * The schema registry stays the shared stack's (plain HTTP on loopback; it holds schemas, no card data).
 */
export interface SecureStack {
  readonly dir: string;
  readonly caFile: string;
  /** SASL_SSL bootstrap server. */
  readonly kafkaBroker: string;
  readonly kafkaUser: string;
  readonly kafkaPassword: string;
  readonly redisUrl: string;
  readonly redisUser: string;
  readonly redisPassword: string;
  /** Environment for a pipeline process: every connection secured, passwords from files. */
  processEnv(): Record<string, string>;
  /** Connection config of a test client with the pipeline's credentials. */
  readonly config: ConnectionConfig;
  /** A Redis client as the admin user (cleanup, inspection). */
  adminRedis(): Redis;
  /** A Redis client as the pipeline's user. */
  pipelineRedis(): Redis;
  stop(): Promise<void>;
}

export interface SecureStackOptions {
  /** The pipeline user's Redis keys: `~<prefix>*`. */
  readonly redisKeyPrefix: string;
}

/**
 * Commands the pipeline's Redis user may run, found in the code: ingest's dedup (SET NX GET EX in a
 * pipeline), the feature store's Lua (EVALSHA, EVAL on NOSCRIPT; inside: MGET, SET, HMGET, HSET, TIME,
 * and the v1 migration's TYPE, EXISTS, HGETALL, PTTL, DEL), its layout marker (GET, SET) and the v1 key
 * SCAN, readiness PING, ioredis's INFO ready check and CLIENT SETNAME. Nothing else: no FLUSHALL,
 * CONFIG or KEYS.
 */
export const PIPELINE_REDIS_COMMANDS = [
  'evalsha', 'eval', 'get', 'set', 'mget', 'hmget', 'hset', 'hgetall', 'type', 'exists', 'pttl', 'del', 'time',
  'scan', 'ping', 'info', 'client|setname', 'select',
] as const;

const START_TIMEOUT_MS = 150_000;
const KAFKA_USER = 'riskstream-pipeline';
const REDIS_USER = 'riskstream-features';

export async function startSecureStack(options: SecureStackOptions): Promise<SecureStack> {
  const dir = mkdtempSync(join(tmpdir(), 'rs-secure-stack-'));
  const secret = () => randomBytes(18).toString('base64url');
  const kafkaPassword = secret();
  const redisPassword = secret();
  const redisAdminPassword = secret();
  const keystorePassword = secret();
  const processes: ChildProcess[] = [];
  const killAll = () => {
    for (const p of processes) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const cleanup = () => {
    process.off('exit', killAll);
    killAll();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const pki = makeCertificates(join(dir, 'pki'), keystorePassword);
    const [saslPort, brokerPort, controllerPort, redisPort] = (await distinctFreePorts(4)) as [number, number, number, number];
    const kafkaBroker = `127.0.0.1:${saslPort}`;
    const redisUrl = `rediss://127.0.0.1:${redisPort}`;
    const redisProc = startRedis(join(dir, 'redis'), redisPort, pki, [
      'user default off',
      `user admin on >${redisAdminPassword} ~* &* +@all`,
      `user ${REDIS_USER} on >${redisPassword} ~${options.redisKeyPrefix}* resetchannels -@all ${PIPELINE_REDIS_COMMANDS.map((c) => `+${c}`).join(' ')}`,
    ]);
    processes.push(redisProc);
    const kafkaProc = await startKafka(join(dir, 'kafka'), { saslPort, brokerPort, controllerPort, keystore: pki.keystore, keystorePassword, user: KAFKA_USER, password: kafkaPassword });
    processes.push(kafkaProc);
    const passwordFile = (name: string, value: string) => {
      const file = join(dir, 'secrets', name);
      mkdirSync(join(dir, 'secrets'), { recursive: true });
      writeFileSync(file, `${value}\n`, { mode: 0o600 });
      return file;
    };
    const env: Record<string, string> = {
      KAFKA_BROKERS: kafkaBroker,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: KAFKA_USER,
      KAFKA_SASL_PASSWORD_FILE: passwordFile('kafka', kafkaPassword),
      KAFKA_TLS: 'true',
      KAFKA_TLS_CA_FILE: pki.ca,
      REDIS_URL: redisUrl,
      REDIS_USERNAME: REDIS_USER,
      REDIS_PASSWORD_FILE: passwordFile('redis', redisPassword),
      REDIS_TLS_CA_FILE: pki.ca,
    };
    const config = loadConfig(connectionSchema, { ...process.env, ...env, KAFKA_SASL_PASSWORD: '', REDIS_PASSWORD: '' });
    const redisClient = (username: string, password: string) => {
      const client = new Redis(redisUrl, { username, password, tls: { ca: [readFileSync(pki.ca, 'utf8')] }, maxRetriesPerRequest: 1, lazyConnect: true });
      client.on('error', () => undefined);
      return client;
    };
    await waitFor('the secured Redis', () => redisAnswers(() => redisClient('admin', redisAdminPassword)), START_TIMEOUT_MS, 300);
    await waitFor('the SASL_SSL Kafka listener', () => kafkaAnswers(config), START_TIMEOUT_MS, 1000);
    return {
      dir,
      caFile: pki.ca,
      kafkaBroker,
      kafkaUser: KAFKA_USER,
      kafkaPassword,
      redisUrl,
      redisUser: REDIS_USER,
      redisPassword,
      config,
      processEnv: () => ({ ...env }),
      adminRedis: () => redisClient('admin', redisAdminPassword),
      pipelineRedis: () => redisClient(REDIS_USER, redisPassword),
      async stop() {
        for (const p of processes) {
          if (p.exitCode !== null || p.signalCode !== null) continue;
          p.kill('SIGTERM');
          const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
          await once(p, 'exit');
          clearTimeout(timer);
        }
        cleanup();
      },
    };
  } catch (err) {
    cleanup();
    throw err;
  }
}

interface Pki {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  readonly keystore: string;
}

/** A CA and a server certificate for 127.0.0.1 and localhost, valid two days; PEM plus PKCS12 for Kafka. */
function makeCertificates(dir: string, keystorePassword: string): Pki {
  mkdirSync(dir, { recursive: true });
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=riskstream-test-ca');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(f('san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('san.cnf'));
  openssl('pkcs12', '-export', '-in', f('server.pem'), '-inkey', f('server.key'), '-certfile', f('ca.pem'), '-name', 'kafka', '-out', f('server.p12'), '-passout', `pass:${keystorePassword}`);
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key'), keystore: f('server.p12') };
}

function startRedis(dir: string, port: number, pki: Pki, users: readonly string[]): ChildProcess {
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'redis.conf');
  writeFileSync(
    conf,
    [
      'bind 127.0.0.1',
      'port 0',
      `tls-port ${port}`,
      `tls-cert-file ${pki.cert}`,
      `tls-key-file ${pki.key}`,
      `tls-ca-cert-file ${pki.ca}`,
      'tls-auth-clients no',
      'save ""',
      'appendonly no',
      `dir ${dir}`,
      ...users,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const log = openSync(join(dir, 'redis.log'), 'a');
  return spawn('redis-server', [conf], { cwd: dir, stdio: ['ignore', log, log] });
}

interface KafkaOptions {
  readonly saslPort: number;
  readonly brokerPort: number;
  readonly controllerPort: number;
  readonly keystore: string;
  readonly keystorePassword: string;
  readonly user: string;
  readonly password: string;
}

/** One KRaft node from the stack's own properties and jars, SCRAM user created at format time. */
async function startKafka(dir: string, o: KafkaOptions): Promise<ChildProcess> {
  mkdirSync(dir, { recursive: true });
  const stackConfig = loadStackConfig(process.env);
  const logFile = join(dir, 'kafka.log');
  const classpath = await kafkaClasspath(new ArtifactCache(stackConfig.cacheDir), logFile);
  const java = javaCommand(stackConfig);
  const [node] = kafkaNodes('127.0.0.1', o.brokerPort, o.controllerPort, 1);
  const properties = join(dir, 'server.properties');
  const log4j = join(dir, 'log4j.properties');
  writeFileSync(
    properties,
    renderServerProperties({ node: node!, cluster: [node!], logDir: join(dir, 'data'), saslSsl: { port: o.saslPort, keystoreFile: o.keystore, keystorePassword: o.keystorePassword } }),
    { mode: 0o600 },
  );
  writeFileSync(log4j, renderLog4jProperties());
  const log4jFlag = `-Dlog4j.configuration=file:${log4j}`;
  execFileSync(
    java,
    [log4jFlag, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '--cluster-id', randomClusterId(), '--config', properties, '--add-scram', `SCRAM-SHA-512=[name=${o.user},password=${o.password}]`],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const log = openSync(logFile, 'a');
  // A cluster node's small heap (jvmFlags for size > 1): this broker carries one test's records.
  return spawn(java, [...jvmFlags(3), log4jFlag, '-cp', classpath, 'kafka.Kafka', properties], { cwd: dir, stdio: ['ignore', log, log] });
}

async function kafkaAnswers(config: ConnectionConfig): Promise<boolean> {
  const admin = createKafka(config, 'secure-stack-probe', undefined, { connectionTimeout: 2000, requestTimeout: 3000, retry: { retries: 0 }, logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    return (await admin.describeCluster()).brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function redisAnswers(client: () => Redis): Promise<boolean> {
  const c = client();
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}
