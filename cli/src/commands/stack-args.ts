import { UsageError, describeConfig } from '@riskstream/shared';
import { parseCommandArgs, type Options } from '../command.ts';
import { COMPONENT_NAMES, type ComponentName } from '../stack/components.ts';
import { CLUSTER_SIZES, NODE_PORT_STEP, type ClusterSize } from '../stack/kafka-cluster.ts';
import { alertReceiversSchema } from '../stack/alert-receivers.ts';
import { stackConfigSchema } from '../stack/stack-config.ts';

export type StackCommand =
  | { readonly kind: 'help'; readonly text: string }
  | {
      readonly kind: 'up';
      readonly quiet: boolean;
      readonly only?: readonly ComponentName[];
      readonly timeoutSeconds?: number;
      readonly brokers?: ClusterSize;
    }
  | { readonly kind: 'down'; readonly quiet: boolean; readonly only?: readonly ComponentName[]; readonly purge: boolean }
  | { readonly kind: 'status'; readonly json: boolean; readonly only?: readonly ComponentName[] }
  | { readonly kind: 'logs'; readonly component?: ComponentName; readonly lines: number; readonly follow: boolean };

const ALIASES: Readonly<Record<string, ComponentName>> = { registry: 'schema-registry' };
const NAMES = COMPONENT_NAMES.join(', ');

const ENV_HELP = describeConfig({
  kafkaBrokers: stackConfigSchema.kafkaBrokers,
  kafkaControllerPort: stackConfigSchema.kafkaControllerPort,
  schemaRegistryUrl: stackConfigSchema.schemaRegistryUrl,
  redisUrl: stackConfigSchema.redisUrl,
  prometheusUrl: stackConfigSchema.prometheusUrl,
  alertmanagerUrl: stackConfigSchema.alertmanagerUrl,
  alertWebhookUrl: stackConfigSchema.alertWebhookUrl,
  stackDir: stackConfigSchema.stackDir,
  cacheDir: stackConfigSchema.cacheDir,
  startTimeoutSeconds: stackConfigSchema.startTimeoutSeconds,
  javaHome: stackConfigSchema.javaHome,
  ...alertReceiversSchema,
});

export const STACK_HELP = `Usage: riskstream stack <command> [options]

Runs the local stack without Docker: Apache Kafka (KRaft), Apicurio schema registry, Redis, Prometheus
and Alertmanager, each as a process on 127.0.0.1.

Commands:
  up       start what is not running, wait until everything is healthy
  down     stop what \`stack up\` started
  status   list every component and whether it is healthy
  logs     print (or follow) component logs

Run \`riskstream stack <command> --help\` for its options.

Environment:
${ENV_HELP}
`;

export const UP_HELP = `Usage: riskstream stack up [--brokers N] [--only NAMES] [--timeout SECONDS] [--quiet]

Starts every component that is not already running and waits until all are healthy. Idempotent: healthy
components (started earlier, or external ones such as a Redis already on REDIS_URL) are left alone.
Downloads Kafka and Apicurio through Maven on first use and installs missing Debian packages
(cli/stack/install-system-deps.sh). Exits non-zero naming the component and its log when one fails.

With --brokers 3, Kafka is a cluster of three KRaft nodes (each broker and controller, a static quorum):
node n listens on the KAFKA_BROKERS port + ${NODE_PORT_STEP} * (n - 1) (9092, 9192, 9292), its controller on
KAFKA_CONTROLLER_PORT + ${NODE_PORT_STEP} * (n - 1) (9094, 9194, 9294); replication factor 3 and
min.insync.replicas 2 for new topics and the offsets and transaction state topics. Clients bootstrap from
all three: KAFKA_BROKERS=127.0.0.1:9092,127.0.0.1:9192,127.0.0.1:9292. The stack directory records the
size: later commands keep it, and asking for another size is refused until
\`stack down --purge --only kafka\` deletes the cluster's data.

Options:
  --brokers N         Kafka nodes: ${CLUSTER_SIZES.join(' or ')} (default: what this stack directory runs, else 1)
  --only NAMES        comma-separated subset of: ${NAMES}
  --timeout SECONDS   how long to wait for each component to become healthy (default 180, RISKSTREAM_STACK_TIMEOUT)
  --quiet             print nothing but errors
  -h, --help          show this help
`;

export const DOWN_HELP = `Usage: riskstream stack down [--only NAMES] [--purge] [--quiet]

Stops the processes \`stack up\` started (SIGTERM, then SIGKILL after a grace period) and removes their pid
files. External components are never touched.

Options:
  --only NAMES   comma-separated subset of: ${NAMES}
  --purge        also delete their data (Kafka topics, registered schemas, metrics) for a fresh start
  --quiet        print nothing but errors
  -h, --help     show this help
`;

export const STATUS_HELP = `Usage: riskstream stack status [--json] [--only NAMES]

Shows every component: pid (or "external" when something else runs it), port, and whether it is healthy.
Exits 1 when any component is unhealthy.

Options:
  --json         print JSON: { "healthy": bool, "components": [...] }
  --only NAMES   comma-separated subset of: ${NAMES}
  -h, --help     show this help
`;

export const LOGS_HELP = `Usage: riskstream stack logs [COMPONENT] [--lines N] [--follow]

Prints the last lines of a component's log (all components when none is named, each line prefixed with
its name). Logs live in <stack dir>/logs/<component>.log; the previous run's is kept as .log.1.

Arguments:
  COMPONENT      one of: ${NAMES}

Options:
  -n, --lines N  how many lines (default 50)
  -f, --follow   keep printing new lines until interrupted
  -h, --help     show this help
`;

/** Parses `stack ...` arguments (without the word "stack"). Throws UsageError for anything malformed. */
export function parseStackArgs(args: readonly string[]): StackCommand {
  const [sub, ...rest] = args;
  switch (sub) {
    case undefined:
      throw new UsageError(`missing command: up, down, status or logs (see \`riskstream stack --help\`)`);
    case '-h':
    case '--help':
    case 'help':
      return { kind: 'help', text: STACK_HELP };
    case 'up': {
      const v = parse(rest, { quiet: { type: 'boolean' }, only: { type: 'string' }, timeout: { type: 'string' }, brokers: { type: 'string' } }, 'up');
      if (v === 'help') return { kind: 'help', text: UP_HELP };
      return {
        kind: 'up',
        quiet: v.values.quiet === true,
        ...optionalOnly(v.values.only),
        ...(v.values.timeout === undefined ? {} : { timeoutSeconds: positiveInt('--timeout', v.values.timeout) }),
        ...(v.values.brokers === undefined ? {} : { brokers: clusterSize(v.values.brokers) }),
      };
    }
    case 'down': {
      const v = parse(rest, { quiet: { type: 'boolean' }, only: { type: 'string' }, purge: { type: 'boolean' } }, 'down');
      if (v === 'help') return { kind: 'help', text: DOWN_HELP };
      return { kind: 'down', quiet: v.values.quiet === true, purge: v.values.purge === true, ...optionalOnly(v.values.only) };
    }
    case 'status': {
      const v = parse(rest, { json: { type: 'boolean' }, only: { type: 'string' } }, 'status');
      if (v === 'help') return { kind: 'help', text: STATUS_HELP };
      return { kind: 'status', json: v.values.json === true, ...optionalOnly(v.values.only) };
    }
    case 'logs': {
      const v = parse(rest, { lines: { type: 'string', short: 'n' }, follow: { type: 'boolean', short: 'f' } }, 'logs', 1);
      if (v === 'help') return { kind: 'help', text: LOGS_HELP };
      const [name] = v.positionals;
      return {
        kind: 'logs',
        ...(name === undefined ? {} : { component: componentName(name) }),
        lines: v.values.lines === undefined ? 50 : nonNegativeInt('--lines', v.values.lines),
        follow: v.values.follow === true,
      };
    }
    default:
      throw new UsageError(`unknown command "stack ${sub}": expected up, down, status or logs`);
  }
}

type Parsed = { values: Record<string, string | boolean | undefined>; positionals: string[] };

function parse(args: readonly string[], options: Options, command: string, maxPositionals = 0): Parsed | 'help' {
  let parsed: Parsed;
  try {
    parsed = parseCommandArgs([...args], options) as Parsed;
  } catch (err) {
    // parseArgs' messages are good ("Unknown option '--x'"); say which subcommand they are about.
    throw new UsageError(`${(err as Error).message} (see \`riskstream stack ${command} --help\`)`);
  }
  if (parsed.values.help === true) return 'help';
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument "${parsed.positionals[maxPositionals]}" (see \`riskstream stack ${command} --help\`)`);
  }
  return parsed;
}

function componentName(raw: string): ComponentName {
  const name = ALIASES[raw] ?? raw;
  if (!(COMPONENT_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown component "${raw}": expected one of ${NAMES}`);
  }
  return name as ComponentName;
}

function optionalOnly(raw: string | boolean | undefined): { only?: readonly ComponentName[] } {
  if (typeof raw !== 'string') return {};
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError(`--only needs at least one of ${NAMES}`);
  return { only: [...new Set(names.map(componentName))] };
}

function clusterSize(raw: string | boolean | undefined): ClusterSize {
  const n = Number(raw);
  if (!(CLUSTER_SIZES as readonly number[]).includes(n) || !/^\d+$/.test(String(raw))) {
    throw new UsageError(`--brokers must be ${CLUSTER_SIZES.join(' or ')}, got "${String(raw)}"`);
  }
  return n as ClusterSize;
}

function positiveInt(flag: string, raw: string | boolean | undefined): number {
  const n = nonNegativeInt(flag, raw);
  if (n === 0) throw new UsageError(`${flag} must be a positive integer, got "0"`);
  return n;
}

function nonNegativeInt(flag: string, raw: string | boolean | undefined): number {
  if (typeof raw !== 'string' || !/^\d+$/.test(raw)) throw new UsageError(`${flag} must be a whole number, got "${String(raw)}"`);
  return Number(raw);
}
