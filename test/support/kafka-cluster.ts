import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { connectionSchema, createKafka, createLogger, loadConfig, type ConnectionConfig } from '@riskstream/shared';
import { bootstrapServers, kafkaNodeName, type ClusterSize } from '../../cli/src/stack/kafka-cluster.ts';
import { localKafkaNodes } from '../../cli/src/stack/kafka.ts';
import { readPidFile } from '../../cli/src/stack/pid-file.ts';
import { loadStackConfig } from '../../cli/src/stack/stack-config.ts';
import { Stack } from '../../cli/src/stack/stack-lifecycle.ts';

/**
 * A private Kafka cluster for tests that stop brokers: the stack's own code (`stack up --brokers N
 * --only kafka`) in a temporary stack dir, on ports no other stack uses, so the shared stack that other
 * tests rely on is never touched. Brokers are killed by pid and healed with another `stack up`.
 */
export interface LocalCluster {
  /** A client configuration that bootstraps from every node. */
  readonly config: ConnectionConfig;
  readonly brokers: readonly string[];
  readonly stackDir: string;
  /** The environment `riskstream stack` commands need to address this cluster's stack. */
  readonly stackEnv: Readonly<Record<string, string | undefined>>;
  pidOf(nodeId: number): number | undefined;
  /** kill -9 of one node. */
  kill(nodeId: number): void;
  /** Starts every node that is down and waits until all are registered again. */
  heal(): Promise<void>;
  /** Stops every node and deletes the cluster's data. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 120_000;

export async function startLocalCluster(size: ClusterSize = 3): Promise<LocalCluster> {
  const stackDir = mkdtempSync(join(tmpdir(), 'riskstream-cluster-'));
  const base = await freePortBase();
  const stackEnv = {
    ...process.env,
    RISKSTREAM_STACK_DIR: stackDir,
    KAFKA_BROKERS: `127.0.0.1:${base}`,
    KAFKA_CONTROLLER_PORT: String(base + 2),
  };
  const stackConfig = loadStackConfig(stackEnv);
  const nodes = localKafkaNodes(stackConfig, size);
  const brokers = bootstrapServers(nodes);
  const config = loadConfig(connectionSchema, { ...process.env, KAFKA_BROKERS: brokers.join(',') });
  const stack = () => new Stack(stackConfig, ['kafka'], { brokers: size });
  const pidOf = (nodeId: number) => readPidFile(stack().dir.pidFile(kafkaNodeName(nodeId)))?.pid;
  // Only a process started with this cluster's files: a pid file can outlive its process, and pids are reused.
  const ours = (pid: number) => commandLine(pid).includes(stackDir);
  const livePids = () => nodes.map((n) => pidOf(n.id)).filter((pid): pid is number => pid !== undefined && ours(pid));
  // A test process that dies (a timeout, Ctrl-C) must not leave JVMs behind on a 2-core machine.
  const killAll = () => {
    for (const pid of livePids()) process.kill(pid, 'SIGKILL');
  };
  process.once('exit', killAll);

  const up = async () => {
    const outcomes = await stack().up({ timeoutMs: START_TIMEOUT_MS, progress: () => undefined });
    const failed = outcomes.find((o) => !o.ok);
    if (failed) throw failed.error ?? new Error(`${failed.name} failed to start`);
    await untilConverged(brokers, START_TIMEOUT_MS);
  };
  try {
    await up();
  } catch (err) {
    killAll();
    rmSync(stackDir, { recursive: true, force: true });
    throw err;
  }
  return {
    config,
    brokers,
    stackDir,
    stackEnv,
    pidOf,
    kill(nodeId) {
      const pid = pidOf(nodeId);
      if (pid === undefined || !ours(pid)) throw new Error(`node ${nodeId} of ${stackDir} is not running`);
      process.kill(pid, 'SIGKILL');
    },
    heal: up,
    async stop() {
      process.off('exit', killAll);
      try {
        await stack().down({ purge: true, progress: () => undefined });
      } finally {
        killAll();
        rmSync(stackDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Until every node lists every node among its brokers. `stack up` returns once each node has registered
 * itself; on a loaded machine another node's view (or a node briefly fenced for a late heartbeat) can lag
 * for seconds, and a test that starts then sees a topic or a broker missing on one node.
 */
async function untilConverged(brokers: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let views: string[] = [];
  for (;;) {
    views = await Promise.all(brokers.map((b) => brokersSeenBy(b)));
    if (views.every((v) => v === String(brokers.length))) return;
    if (Date.now() > deadline) throw new Error(`the cluster did not converge in ${timeoutMs} ms: brokers seen per node ${views.join(', ')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** How many brokers one node's metadata lists, or why it did not answer. */
async function brokersSeenBy(broker: string): Promise<string> {
  const kafka = createKafka(loadConfig(connectionSchema, { ...process.env, KAFKA_BROKERS: broker }), 'test-cluster-probe', createLogger('test-cluster-probe', { level: 'silent' }), {
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    return String((await admin.describeCluster()).brokers.length);
  } catch (err) {
    return (err as Error).message;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Node 1's broker port: it, +2 (its controller) and the same 100 and 200 above (nodes 2 and 3) must all
 * be free. Below the ephemeral range, away from the shared stack's 9092-9294.
 */
async function freePortBase(): Promise<number> {
  for (let base = 19392; base < 32000; base += 1000) {
    const ports = [0, 100, 200].flatMap((step) => [base + step, base + step + 2]);
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return base;
  }
  throw new Error('no free ports for a private Kafka cluster');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The broker that coordinates a transactional id: the leader of its __transaction_state partition,
 * Utils.abs(transactionalId.hashCode()) % partitions as Kafka computes it. The topic exists once the
 * cluster's first transactional producer has initialised.
 */
export async function transactionCoordinator(kafka: Kafka, transactionalId: string): Promise<number> {
  let hash = 0;
  for (const ch of transactionalId) hash = (Math.imul(31, hash) + ch.charCodeAt(0)) | 0;
  const partitions = await partitionsOf(kafka, '__transaction_state');
  const partition = partitions.find((p) => p.partitionId === (hash & 0x7fffffff) % partitions.length);
  if (!partition) throw new Error(`__transaction_state has no partition for ${transactionalId}`);
  return partition.leader;
}

export interface PartitionState {
  readonly partitionId: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

/** A topic's partitions, once every one has a leader (metadata lags a creation by a moment). */
export async function partitionsOf(kafka: Kafka, topic: string, timeoutMs = 30_000): Promise<PartitionState[]> {
  const admin = kafka.admin();
  await admin.connect();
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        const meta = await admin.fetchTopicMetadata({ topics: [topic] });
        const partitions = meta.topics[0]?.partitions ?? [];
        if (partitions.length > 0 && partitions.every((p) => p.leader >= 0)) return partitions;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline) throw new Error(`${topic}: partitions without a leader after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect();
  }
}
