import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from '@riskstream/shared';
import type { StackDir } from './stack-dir.ts';

/**
 * The shape of the local Kafka cluster: how many KRaft nodes (each a combined broker and controller) and
 * where each listens. Node 1 is the component `kafka`, with the ports the configuration names, its state in
 * `<stack dir>/kafka/`; node n > 1 is `kafka-n`, its ports NODE_PORT_STEP * (n - 1) above node 1's, its
 * state in `<stack dir>/kafka-n/`. Node 1 keeps exactly the single-broker stack's names and layout, so a
 * stack started before clusters existed is the 1-node cluster it always was.
 */

/** Cluster sizes `stack up --brokers` accepts: one node, or a quorum that survives losing one. */
export const CLUSTER_SIZES = [1, 3] as const;
export type ClusterSize = (typeof CLUSTER_SIZES)[number];

/** Node n's broker and controller ports are node 1's plus this times (n - 1): 9092, 9192, 9292. */
export const NODE_PORT_STEP = 100;

export interface KafkaNode {
  /** node.id, 1-based. */
  readonly id: number;
  /** Component name: pid file, log file and state directory. */
  readonly name: string;
  readonly host: string;
  readonly brokerPort: number;
  readonly controllerPort: number;
}

export function kafkaNodeName(id: number): string {
  return id === 1 ? 'kafka' : `kafka-${id}`;
}

export function kafkaNodes(host: string, brokerPort: number, controllerPort: number, size: number): KafkaNode[] {
  return Array.from({ length: size }, (_, i) => ({
    id: i + 1,
    name: kafkaNodeName(i + 1),
    host,
    brokerPort: brokerPort + NODE_PORT_STEP * i,
    controllerPort: controllerPort + NODE_PORT_STEP * i,
  }));
}

/** `host:port` of every node's broker listener: what a client of the whole cluster bootstraps from. */
export function bootstrapServers(nodes: readonly KafkaNode[]): string[] {
  return nodes.map((n) => `${n.host}:${n.brokerPort}`);
}

/** What a stack directory records about its cluster: every node's storage is formatted for this. */
export interface ClusterShape {
  readonly size: ClusterSize;
  /** Every node is formatted with the same id; nodes of different clusters refuse to talk. */
  readonly clusterId: string;
}

/** Kafka's Uuid.randomUuid(): 16 random bytes, base64url, never starting with "-" (it is a CLI argument). */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function shapeFile(dir: StackDir): string {
  return join(dir.componentDirPath(kafkaNodeName(1)), 'cluster.json');
}

/**
 * The recorded shape; a stack dir from before clusters existed, with node 1 formatted, is a 1-node
 * cluster. undefined when Kafka never ran here (or its data was purged).
 */
export function readClusterShape(dir: StackDir): ClusterShape | undefined {
  const file = shapeFile(dir);
  if (existsSync(file)) {
    let raw: { size?: unknown; clusterId?: unknown } = {};
    try {
      raw = JSON.parse(readFileSync(file, 'utf8')) as typeof raw;
    } catch {
      // Reported below, like any other malformed record.
    }
    if (!(CLUSTER_SIZES as readonly unknown[]).includes(raw?.size) || typeof raw?.clusterId !== 'string') {
      throw new StackError('kafka', `${file} is not a cluster record (written by \`stack up\`); stop the kafka processes and delete ${dir.root}/kafka* to start over`);
    }
    return { size: raw.size as ClusterSize, clusterId: raw.clusterId };
  }
  const meta = join(dir.componentDirPath(kafkaNodeName(1)), 'data', 'meta.properties');
  if (!existsSync(meta)) return undefined;
  const clusterId = /^cluster\.id=(.+)$/m.exec(readFileSync(meta, 'utf8'))?.[1];
  if (clusterId === undefined) throw new StackError('kafka', `${meta} names no cluster.id`);
  return { size: 1, clusterId };
}

/**
 * The cluster size a command works with: the recorded one, unless `stack up --brokers N` asks for
 * another. A formatted cluster cannot change its size in place (its quorum voters are in its metadata
 * log), so asking for another one is refused, not silently ignored; nothing recorded means 1 node.
 */
export function resolveClusterSize(dir: StackDir, requested: ClusterSize | undefined): ClusterSize {
  const recorded = readClusterShape(dir);
  if (recorded === undefined) return requested ?? 1;
  if (requested !== undefined && requested !== recorded.size) {
    throw new StackError(
      'kafka',
      `${dir.root} holds a ${recorded.size}-node Kafka cluster; it cannot become ${requested} node${requested === 1 ? '' : 's'} in place. ` +
        `Run \`riskstream stack down --purge --only kafka\` (deletes its topics) and then \`riskstream stack up --brokers ${requested}\``,
    );
  }
  return recorded.size;
}

/**
 * Returns the recorded shape, recording `size` with a new cluster id when there is none. Synchronous, so
 * the nodes preparing concurrently in one `stack up` (under the stack lock) all read the one id.
 */
export function ensureClusterShape(dir: StackDir, size: ClusterSize): ClusterShape {
  const recorded = readClusterShape(dir);
  if (recorded !== undefined) {
    if (recorded.size !== size) resolveClusterSize(dir, size);
    if (!existsSync(shapeFile(dir))) writeShape(dir, recorded);
    return recorded;
  }
  const shape: ClusterShape = { size, clusterId: randomClusterId() };
  writeShape(dir, shape);
  return shape;
}

function writeShape(dir: StackDir, shape: ClusterShape): void {
  dir.componentDir(kafkaNodeName(1));
  const file = shapeFile(dir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(shape)}\n`);
  renameSync(`${file}.tmp`, file);
}
