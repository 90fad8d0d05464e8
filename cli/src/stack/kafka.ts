import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logLevel } from 'kafkajs';
import { createKafka } from '@riskstream/shared';
import { ASSETS_DIR, endpointOfHostPort, type Component, type PrepareContext } from './components.ts';
import { ClassDataArchive, javaCommand } from './jvm.ts';
import type { Health, LaunchSpec } from './process-supervisor.ts';
import { runLogged } from './logged-command.ts';
import type { StackConfig } from './stack-config.ts';

export const KAFKA_VERSION = '3.9.1';
const CACHE_ENTRY = `kafka-${KAFKA_VERSION}`;
const POM = join(ASSETS_DIR, 'kafka', 'pom.xml');
// Kafka keeps the full JIT and G1: tests and benchmarks push real load through it.
const JVM_FLAGS = ['-Xms256m', '-Xmx1g', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true'];

export interface ServerPropertiesOptions {
  readonly host: string;
  readonly brokerPort: number;
  readonly controllerPort: number;
  readonly logDir: string;
}

/**
 * One KRaft node that is both broker and controller. A static quorum (controller.quorum.voters) rather
 * than 3.9's dynamic one keeps `StorageTool format` to a cluster id and a config file.
 */
export function renderServerProperties(o: ServerPropertiesOptions): string {
  const props: [string, string | number][] = [
    ['process.roles', 'broker,controller'],
    ['node.id', 1],
    ['controller.quorum.voters', `1@${o.host}:${o.controllerPort}`],
    ['listeners', `PLAINTEXT://${o.host}:${o.brokerPort},CONTROLLER://${o.host}:${o.controllerPort}`],
    ['advertised.listeners', `PLAINTEXT://${o.host}:${o.brokerPort}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT'],
    ['log.dirs', o.logDir],
    // Topics are declared in one catalog and created by code; a typo must fail, not create a topic.
    ['auto.create.topics.enable', 'false'],
    // A single broker has nobody to wait for; the default 3 s delays every test's first consumer group.
    ['group.initial.rebalance.delay.ms', 0],
    ['offsets.topic.replication.factor', 1],
    // Fewer internal partitions than the default 50 so the first group join and first transaction on a
    // fresh stack do not wait for 50 partition leaders.
    ['offsets.topic.num.partitions', 10],
    ['transaction.state.log.num.partitions', 10],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    ['num.partitions', 3],
  ];
  return `# Written by \`riskstream stack up\`; edits are overwritten.\n${props.map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
}

/** Kafka logs to stdout; the supervisor sends stdout to logs/kafka.log. */
export function renderLog4jProperties(): string {
  return [
    'log4j.rootLogger=INFO, stdout',
    'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
    // Per-request and state-change chatter would drown the log on a busy test run.
    'log4j.logger.kafka.request.logger=WARN',
    'log4j.logger.state.change.logger=WARN',
    'log4j.logger.kafka.controller=INFO',
    'log4j.logger.org.apache.kafka.controller=INFO',
    '',
  ].join('\n');
}

/** Kafka's Uuid.randomUuid(): 16 random bytes, base64url, never starting with "-" (it is a CLI argument). */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export function kafkaComponent(config: StackConfig): Component {
  const first = config.kafkaBrokers[0] ?? '127.0.0.1:9092';
  const endpoint = endpointOfHostPort(first);
  return {
    name: 'kafka',
    description: `Apache Kafka ${KAFKA_VERSION} (KRaft, one broker+controller)`,
    endpoint,
    url: config.kafkaBrokers.join(','),
    configEnv: 'KAFKA_BROKERS',
    // A controlled shutdown of a single node takes a few seconds; give it room before SIGKILL.
    stopGraceMs: 30_000,
    probe: () => probeKafka(config),
    prepare: (ctx) => prepareKafka(ctx, endpoint.port),
    afterStop: (dir, exitedCleanly) => new ClassDataArchive(dir.componentDirPath('kafka'), javaCommand(config), JVM_FLAGS).settle(exitedCleanly),
  };
}

async function prepareKafka(ctx: PrepareContext, brokerPort: number): Promise<LaunchSpec> {
  const { config, cache, dir } = ctx;
  if (!cache.has(CACHE_ENTRY)) ctx.progress('downloading jars with Maven (first run)');
  const home = await cache.ensure(CACHE_ENTRY, async (scratch) => {
    await cache.maven(
      'kafka',
      ['-f', POM, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${join(scratch, 'libs')}`],
      ctx.logFile,
    );
  });
  const classpath = `${join(home, 'libs')}/*`;
  const kafkaDir = dir.componentDir('kafka');
  const serverProperties = join(kafkaDir, 'server.properties');
  const log4j = join(kafkaDir, 'log4j.properties');
  const logDir = join(kafkaDir, 'data');
  // The stack binds loopback only, whatever name KAFKA_BROKERS uses for it.
  writeFileSync(
    serverProperties,
    renderServerProperties({ host: '127.0.0.1', brokerPort, controllerPort: config.kafkaControllerPort, logDir }),
  );
  writeFileSync(log4j, renderLog4jProperties());
  const java = javaCommand(config);
  const log4jFlag = `-Dlog4j.configuration=file:${log4j}`;
  if (!existsSync(join(logDir, 'meta.properties'))) {
    ctx.progress('formatting storage');
    await runLogged(
      'kafka',
      java,
      [log4jFlag, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '--cluster-id', randomClusterId(), '--config', serverProperties],
      { logFile: ctx.logFile, cwd: kafkaDir },
    );
  }
  return {
    command: java,
    args: [
      ...JVM_FLAGS,
      ...new ClassDataArchive(kafkaDir, java, JVM_FLAGS).flags(),
      log4jFlag,
      '-cp',
      classpath,
      'kafka.Kafka',
      serverProperties,
    ],
    cwd: kafkaDir,
  };
}

/**
 * Healthy = the broker answers a metadata request (describeCluster) with itself and a controller. That is
 * what a client needs; a TCP connect alone succeeds while the broker is still replaying its metadata log.
 * No retries and short timeouts: the caller polls.
 */
export async function probeKafka(config: StackConfig): Promise<Health> {
  silenceNegativeTimeoutWarning();
  // The services' client (same SASL/TLS settings), with no retries and short timeouts: the caller polls.
  const kafka = createKafka(config, 'stack-probe', undefined, {
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) return { healthy: false, detail: 'no brokers in metadata yet' };
    const n = cluster.brokers.length;
    return { healthy: true, detail: `${n} broker${n === 1 ? '' : 's'}, cluster ${cluster.clusterId}` };
  } catch (err) {
    return { healthy: false, detail: (err as Error).message };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

let warningFilterInstalled = false;

/**
 * kafkajs 2.2.4's request queue calls setTimeout with a negative delay when idle; Node 24 prints a
 * TimeoutNegativeWarning for it on every probe. Node clamps the delay to 1 ms, so it is pure noise in a
 * CLI's output. Only that warning type is dropped.
 */
function silenceNegativeTimeoutWarning(): void {
  if (warningFilterInstalled) return;
  warningFilterInstalled = true;
  const emit = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const first = rest[0];
    const type = typeof first === 'string' ? first : (first as { type?: string } | undefined)?.type;
    if (type === 'TimeoutNegativeWarning' || (warning instanceof Error && warning.name === 'TimeoutNegativeWarning')) return;
    (emit as (...args: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}
