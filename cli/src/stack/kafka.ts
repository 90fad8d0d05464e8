import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logLevel } from 'kafkajs';
import { createKafka, topicReplication } from '@riskstream/shared';
import { ASSETS_DIR, endpointOfHostPort, type Component, type PrepareContext } from './components.ts';
import type { ArtifactCache } from './artifact-cache.ts';
import { ClassDataArchive, javaCommand } from './jvm.ts';
import { ensureClusterShape, kafkaNodes, type ClusterSize, type KafkaNode } from './kafka-cluster.ts';
import type { Health, LaunchSpec } from './process-supervisor.ts';
import { runLogged } from './logged-command.ts';
import type { StackConfig } from './stack-config.ts';

export const KAFKA_VERSION = '3.9.1';
const CACHE_ENTRY = `kafka-${KAFKA_VERSION}`;
const POM = join(ASSETS_DIR, 'kafka', 'pom.xml');
// Kafka keeps the full JIT and G1: tests and benchmarks push real load through it.
const COMMON_JVM_FLAGS = ['-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true'];

/**
 * A single node keeps room for the load tests and benchmarks push through it. A cluster's nodes share a
 * 2-core dev machine with the registry and the services, and each only needs a small heap: a broker's
 * data lives in the page cache, not on the heap.
 */
export function jvmFlags(size: number): string[] {
  return [...(size === 1 ? ['-Xms256m', '-Xmx1g'] : ['-Xms128m', '-Xmx256m']), ...COMMON_JVM_FLAGS];
}

export interface ServerPropertiesOptions {
  readonly node: KafkaNode;
  /** Every node of the cluster, this one included: the static quorum. */
  readonly cluster: readonly KafkaNode[];
  readonly logDir: string;
  /** A second, client-facing listener with TLS and SCRAM-SHA-512 (the secured test stack). */
  readonly saslSsl?: SaslSslListener;
  /** A second plaintext listener for clients only, advertised on another port (a proxy in front of it). */
  readonly clientListener?: ClientListener;
}

/**
 * CLIENT on its own port, advertised as `advertisedPort`: clients that bootstrap there are sent to the
 * advertised port (a TCP proxy of a test's own) while inter-broker replication keeps PLAINTEXT, so a test
 * can cut one broker off from its clients without cutting it off from the cluster.
 */
export interface ClientListener {
  readonly port: number;
  readonly advertisedPort: number;
}

/**
 * SASL_SSL on its own port, next to the PLAINTEXT listener that inter-broker and controller traffic keep
 * on loopback. SCRAM users are created when the storage is formatted (StorageTool --add-scram).
 */
export interface SaslSslListener {
  readonly port: number;
  /** PKCS12 keystore with the broker's key and certificate (its CN/SAN: the node's host). */
  readonly keystoreFile: string;
  readonly keystorePassword: string;
}

function saslSslProperties(l: SaslSslListener): [string, string | number][] {
  return [
    ['sasl.enabled.mechanisms', 'SCRAM-SHA-512'],
    ['listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config', 'org.apache.kafka.common.security.scram.ScramLoginModule required;'],
    ['ssl.keystore.type', 'PKCS12'],
    ['ssl.keystore.location', l.keystoreFile],
    ['ssl.keystore.password', l.keystorePassword],
    ['ssl.key.password', l.keystorePassword],
  ];
}

/**
 * One KRaft node that is both broker and controller. A static quorum (controller.quorum.voters) rather
 * than 3.9's dynamic one keeps `StorageTool format` to a cluster id and a config file.
 */
export function renderServerProperties(o: ServerPropertiesOptions): string {
  const { node, cluster } = o;
  // The same rule the services apply to the topics they create (shared/src/topic-admin.ts).
  const replication = topicReplication({ brokers: cluster.length });
  const secure = o.saslSsl ? `,SASL_SSL://${node.host}:${o.saslSsl.port}` : '';
  const client = o.clientListener ? `,CLIENT://${node.host}:${o.clientListener.port}` : '';
  const advertisedClient = o.clientListener ? `,CLIENT://${node.host}:${o.clientListener.advertisedPort}` : '';
  const props: [string, string | number][] = [
    ['process.roles', 'broker,controller'],
    ['node.id', node.id],
    ['controller.quorum.voters', cluster.map((n) => `${n.id}@${n.host}:${n.controllerPort}`).join(',')],
    ['listeners', `PLAINTEXT://${node.host}:${node.brokerPort},CONTROLLER://${node.host}:${node.controllerPort}${secure}${client}`],
    ['advertised.listeners', `PLAINTEXT://${node.host}:${node.brokerPort}${secure}${advertisedClient}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['listener.security.protocol.map', `PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${o.saslSsl ? ',SASL_SSL:SASL_SSL' : ''}${o.clientListener ? ',CLIENT:PLAINTEXT' : ''}`],
    ...(o.saslSsl ? saslSslProperties(o.saslSsl) : []),
    ['log.dirs', o.logDir],
    // Topics are declared in one catalog and created by code; a typo must fail, not create a topic.
    ['auto.create.topics.enable', 'false'],
    // A dev cluster's groups start with their members; the default 3 s delays every test's first group.
    ['group.initial.rebalance.delay.ms', 0],
    // Topics created without explicit settings (ensureTopics passes its own) and the internal topics get
    // the cluster's replication: a write acknowledged by min.insync.replicas nodes survives losing one.
    ['default.replication.factor', replication.replicationFactor],
    ['min.insync.replicas', replication.minInsyncReplicas],
    ['offsets.topic.replication.factor', replication.replicationFactor],
    ['transaction.state.log.replication.factor', replication.replicationFactor],
    ['transaction.state.log.min.isr', replication.minInsyncReplicas],
    // A replica that fell out of sync never becomes leader: that would drop acknowledged writes.
    ['unclean.leader.election.enable', 'false'],
    // Fewer internal partitions than the default 50 so the first group join and first transaction on a
    // fresh stack do not wait for 50 partition leaders.
    ['offsets.topic.num.partitions', 10],
    ['transaction.state.log.num.partitions', 10],
    ['num.partitions', 3],
    // The log cleaner takes its whole dedupe buffer (128 MiB by default) from the heap at start, as one
    // contiguous allocation: half of a cluster node's heap, and a restart died of OutOfMemoryError when
    // the heap was fragmented. A dev cluster's compacted topics (the offsets topic) need far less.
    ...(cluster.length > 1 ? [['log.cleaner.dedupe.buffer.size', 16 * 1024 * 1024] as [string, number]] : []),
  ];
  return `# Written by \`riskstream stack up\`; edits are overwritten.\n${props.map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
}

/** Kafka logs to stdout; the supervisor sends stdout to logs/<node>.log. */
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

/** The nodes of the local cluster of `size` nodes, node 1 on the first KAFKA_BROKERS address. */
export function localKafkaNodes(config: StackConfig, size: number): KafkaNode[] {
  const first = endpointOfHostPort(config.kafkaBrokers[0] ?? '127.0.0.1:9092');
  return kafkaNodes(first.host, first.port, config.kafkaControllerPort, size);
}

/** One component per node: each has its own process, pid file, log and state directory. */
export function kafkaComponents(config: StackConfig, size: ClusterSize): Component[] {
  const nodes = localKafkaNodes(config, size);
  return nodes.map((node) => kafkaNodeComponent(config, node, nodes));
}

function kafkaNodeComponent(config: StackConfig, node: KafkaNode, cluster: readonly KafkaNode[]): Component {
  const size = cluster.length as ClusterSize;
  const single = size === 1;
  return {
    name: node.name,
    kind: 'kafka',
    description: single
      ? `Apache Kafka ${KAFKA_VERSION} (KRaft, one broker+controller)`
      : `Apache Kafka ${KAFKA_VERSION} (KRaft, node ${node.id} of ${size}, broker+controller)`,
    endpoint: { host: node.host, port: node.brokerPort },
    // Node 1 is where KAFKA_BROKERS points; the others are addressed by their own listener.
    url: single ? config.kafkaBrokers.join(',') : `${node.host}:${node.brokerPort}`,
    configEnv: 'KAFKA_BROKERS',
    // A controlled shutdown takes a few seconds (longer while the other nodes stop too); room before SIGKILL.
    stopGraceMs: 30_000,
    probe: () => (single ? probeKafka(config) : probeKafkaNode(config, node)),
    prepare: (ctx) => prepareKafkaNode(ctx, node, cluster),
    afterStop: (dir, exitedCleanly) =>
      new ClassDataArchive(dir.componentDirPath(node.name), javaCommand(config), jvmFlags(size)).settle(exitedCleanly),
  };
}

async function prepareKafkaNode(ctx: PrepareContext, node: KafkaNode, cluster: readonly KafkaNode[]): Promise<LaunchSpec> {
  const { config, cache, dir } = ctx;
  const shape = ensureClusterShape(dir, cluster.length as ClusterSize);
  const classpath = await kafkaClasspath(cache, ctx.logFile, (m) => ctx.progress(m));
  const kafkaDir = dir.componentDir(node.name);
  const serverProperties = join(kafkaDir, 'server.properties');
  const log4j = join(kafkaDir, 'log4j.properties');
  const logDir = join(kafkaDir, 'data');
  // The stack binds loopback only, whatever name KAFKA_BROKERS uses for it.
  const nodes = cluster.map((n) => ({ ...n, host: '127.0.0.1' }));
  writeFileSync(serverProperties, renderServerProperties({ node: nodes[node.id - 1]!, cluster: nodes, logDir }));
  writeFileSync(log4j, renderLog4jProperties());
  const java = javaCommand(config);
  const flags = jvmFlags(cluster.length);
  const log4jFlag = `-Dlog4j.configuration=file:${log4j}`;
  if (!existsSync(join(logDir, 'meta.properties'))) {
    ctx.progress('formatting storage');
    await runLogged(
      node.name,
      java,
      [log4jFlag, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '--cluster-id', shape.clusterId, '--config', serverProperties],
      { logFile: ctx.logFile, cwd: kafkaDir },
    );
  }
  return {
    command: java,
    args: [...flags, ...new ClassDataArchive(kafkaDir, java, flags).flags(), log4jFlag, '-cp', classpath, 'kafka.Kafka', serverProperties],
    cwd: kafkaDir,
  };
}

/** Kafka's jars from the download cache (fetched with Maven on first use), as a java -cp value. */
export async function kafkaClasspath(cache: ArtifactCache, logFile: string, progress: (message: string) => void = () => undefined): Promise<string> {
  if (!cache.has(CACHE_ENTRY)) progress('downloading jars with Maven (first run)');
  const home = await cache.ensure(CACHE_ENTRY, async (scratch) => {
    await cache.maven('kafka', ['-f', POM, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${join(scratch, 'libs')}`], logFile);
  });
  return `${join(home, 'libs')}/*`;
}

/**
 * Healthy = the broker answers a metadata request (describeCluster) with itself and a controller. That is
 * what a client needs; a TCP connect alone succeeds while the broker is still replaying its metadata log.
 * No retries and short timeouts: the caller polls.
 */
export async function probeKafka(config: StackConfig): Promise<Health> {
  return probeBrokers(config, (brokers) => brokers.length > 0, 'no brokers in metadata yet');
}

/**
 * A node of a cluster, asked alone: healthy once it lists itself among the brokers, i.e. it has joined the
 * quorum and registered with the active controller (it answers metadata requests before that).
 */
export async function probeKafkaNode(config: StackConfig, node: KafkaNode): Promise<Health> {
  return probeBrokers(
    { ...config, kafkaBrokers: [`${node.host}:${node.brokerPort}`] },
    (brokers) => brokers.some((b) => b.nodeId === node.id),
    `node ${node.id} not registered yet`,
  );
}

async function probeBrokers(
  config: StackConfig,
  healthy: (brokers: ReadonlyArray<{ nodeId: number }>) => boolean,
  notYet: string,
): Promise<Health> {
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
    if (!healthy(cluster.brokers)) return { healthy: false, detail: notYet };
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
