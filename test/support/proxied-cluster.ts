import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { logLevel } from 'kafkajs';
import { connectionSchema, createKafka, loadConfig, type ConnectionConfig } from '@riskstream/shared';
import { ArtifactCache } from '../../cli/src/stack/artifact-cache.ts';
import { javaCommand } from '../../cli/src/stack/jvm.ts';
import { kafkaNodeName, randomClusterId, type KafkaNode } from '../../cli/src/stack/kafka-cluster.ts';
import { jvmFlags, kafkaClasspath, renderLog4jProperties, renderServerProperties } from '../../cli/src/stack/kafka.ts';
import { loadStackConfig } from '../../cli/src/stack/stack-config.ts';
import { freePort, waitFor } from './child-service.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

/**
 * A private 3-node cluster whose clients reach every broker through a TCP proxy of the test's own: each
 * node has a CLIENT listener advertised on its proxy's port, while replication and the controller quorum
 * use the direct PLAINTEXT listener. Blackholing one proxy partitions that broker from the clients only;
 * it stays in the cluster and in the ISR. The stack's own properties and jars, launched directly (the
 * stack's components have no client listener), on free ports; the shared stack is never touched.
 */
export interface ProxiedCluster {
  /** Clients' configuration: bootstraps through the proxies. */
  readonly config: ConnectionConfig;
  /** Each node's direct PLAINTEXT address (what the brokers use between themselves). */
  readonly directAddress: (nodeId: number) => string;
  readonly proxy: (nodeId: number) => TcpProxy;
  readonly dir: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 180_000;

export async function startProxiedCluster(size = 3): Promise<ProxiedCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-proxied-'));
  const nodes: KafkaNode[] = [];
  const clientPorts: number[] = [];
  const proxies: TcpProxy[] = [];
  const children: ChildProcess[] = [];
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const stop = async () => {
    process.off('exit', killAll);
    killAll();
    await Promise.all(proxies.map((p) => p.close()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports = await distinctFreePorts(3 * size);
    for (let id = 1; id <= size; id++) {
      const [brokerPort, controllerPort, clientPort] = ports.slice(3 * (id - 1), 3 * id) as [number, number, number];
      nodes.push({ id, name: kafkaNodeName(id), host: '127.0.0.1', brokerPort, controllerPort });
      clientPorts.push(clientPort);
      proxies.push(await startTcpProxy('127.0.0.1', clientPort));
    }
    const clusterId = randomClusterId();
    const stackConfig = loadStackConfig(process.env);
    const classpath = await kafkaClasspath(new ArtifactCache(stackConfig.cacheDir), join(dir, 'classpath.log'));
    // The nodes format and start side by side: a JVM's start is most of a node's minute on a loaded machine.
    const launch = (node: KafkaNode) =>
      startNode(join(dir, node.name), { java: javaCommand(stackConfig), classpath }, node, nodes, clientPorts[node.id - 1]!, proxies[node.id - 1]!.port, clusterId);
    for (const started of await Promise.allSettled(nodes.map(launch))) {
      if (started.status === 'fulfilled') children.push(started.value);
    }
    if (children.length < size) throw new Error(`only ${children.length} of ${size} nodes of ${dir} started`);
    const config = loadConfig(connectionSchema, { ...process.env, KAFKA_BROKERS: proxies.map((p) => `127.0.0.1:${p.port}`).join(',') });
    await waitFor(`${size} brokers registered through the proxies`, () => brokersSeen(config, size), START_TIMEOUT_MS, 1000);
    return {
      config,
      directAddress: (id) => `127.0.0.1:${nodes[id - 1]!.brokerPort}`,
      proxy: (id) => proxies[id - 1]!,
      dir,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function startNode(
  dir: string,
  { java, classpath }: { java: string; classpath: string },
  node: KafkaNode,
  cluster: readonly KafkaNode[],
  clientPort: number,
  advertisedPort: number,
  clusterId: string,
): Promise<ChildProcess> {
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, 'kafka.log');
  const properties = join(dir, 'server.properties');
  const log4j = join(dir, 'log4j.properties');
  writeFileSync(properties, renderServerProperties({ node, cluster, logDir: join(dir, 'data'), clientListener: { port: clientPort, advertisedPort } }));
  writeFileSync(log4j, renderLog4jProperties());
  const log4jFlag = `-Dlog4j.configuration=file:${log4j}`;
  await promisify(execFile)(java, [log4jFlag, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '--cluster-id', clusterId, '--config', properties], { cwd: dir });
  const log = openSync(logFile, 'a');
  return spawn(java, [...jvmFlags(cluster.length), log4jFlag, '-cp', classpath, 'kafka.Kafka', properties], { cwd: dir, stdio: ['ignore', log, log] });
}

/** One metadata request through the proxies: every node registered (and advertised on its proxy). */
async function brokersSeen(config: ConnectionConfig, size: number): Promise<boolean> {
  const admin = createKafka(config, 'proxied-cluster-probe', undefined, { connectionTimeout: 2000, requestTimeout: 3000, retry: { retries: 0 }, logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    return (await admin.describeCluster()).brokers.length === size;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}
