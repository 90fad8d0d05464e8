import { TOPOLOGIES, UsageError, type Topology } from '@riskstream/shared';
import { parseCommandArgs, type Command, type CommandIo } from '../command.ts';
import { DEFAULT_TOPOLOGY, SERVICES, servicesOf, devCardTokenKeys, replicaName, replicaStatus, startReplica, stopReplica, type ReplicaStatus } from '../services/service-processes.ts';
import { alertReceiverDevEnv } from '../stack/dev-secrets.ts';
import { loadStackConfig } from '../stack/stack-config.ts';
import { StackDir } from '../stack/stack-dir.ts';

const USAGE = `Usage:
  riskstream services up [--topology fused|split] [--replicas N] [--only NAMES] [--timeout SECONDS]
  riskstream services down [--only NAMES]
  riskstream services status [--json]

Runs riskstream as local processes, each with /metrics, /healthz and /readyz on its own port
(replica i adds 10*i): model-server 8095, fused 8099 or ingest 8091, features 8092 and scoring 8093,
decisions 8098 (POST /v1/decisions, /v2 and /invocations), drift-monitor 8094, alert-receiver 8090,
archiver 8096, trainer 8097. Replicas of a service join one
consumer group. Each running process is registered for Prometheus scraping (job "riskstream"). Logs:
riskstream stack logs <name>. Needs the stack (stack up).

Topologies: fused (default) runs ingest, features and scoring in one process with one Kafka transaction
per commit; split runs them as three services (one transaction per hop) to scale stages apart. Both
may run side by side: they share ingest's consumer group on transactions.raw.v1 and never process the
same record. Commit cadence: COMMIT_INTERVAL_MS and COMMIT_MAX_RECORDS (per process environment).

The dev stack generates a card-token HMAC key once (.stack/secrets); set CARD_TOKEN_KEYS and
CARD_TOKEN_ACTIVE_KEY to use your own. Scoring fetches models from the model server over HTTP
(MODEL_SOURCE overrides).

Options:
  --topology T     fused or split (default ${DEFAULT_TOPOLOGY})
  --replicas N     instances of each scalable service (default 1)
  --only NAMES     comma-separated subset
  --timeout S      seconds to wait for each to answer /healthz (default 60)
  --json           machine-readable status
  -h, --help       this help`;

function topologyOf(value: string | undefined): Topology {
  if (value === undefined) return DEFAULT_TOPOLOGY;
  if (!(TOPOLOGIES as readonly string[]).includes(value)) throw new UsageError(`--topology must be one of ${TOPOLOGIES.join(', ')}, got "${value}"`);
  return value as Topology;
}

/** `--only` picks from every service (down and status see both topologies); up is limited to one. */
function selected(only: string | undefined, from: typeof SERVICES = SERVICES): typeof SERVICES {
  if (!only) return from;
  const names = only.split(',').map((s) => s.trim());
  for (const n of names) {
    const spec = SERVICES.find((s) => s.name === n);
    if (!spec) throw new UsageError(`unknown service "${n}" (${SERVICES.map((s) => s.name).join(', ')})`);
    if (!from.includes(spec)) throw new UsageError(`"${n}" belongs to the ${spec.topology} topology (--topology ${spec.topology})`);
  }
  return from.filter((s) => names.includes(s.name));
}

export const servicesCommand: Command = {
  name: 'services',
  summary: 'run the streaming services as local processes (up|down|status)',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      replicas: { type: 'string' },
      topology: { type: 'string' },
      only: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help || positionals.length === 0) {
      io.stdout.write(`${USAGE}\n`);
      return values.help ? 0 : 2;
    }
    const config = loadStackConfig(io.env);
    const dir = new StackDir(config.stackDir);
    const specs = selected(values.only);
    switch (positionals[0]) {
      case 'up': {
        const replicas = values.replicas === undefined ? 1 : Number(values.replicas);
        if (!Number.isInteger(replicas) || replicas < 1 || replicas > 8) throw new UsageError('--replicas must be an integer in 1..8');
        const timeoutMs = (values.timeout === undefined ? 60 : Number(values.timeout)) * 1000;
        return up(selected(values.only, servicesOf(topologyOf(values.topology))), replicas, dir, io, timeoutMs);
      }
      case 'down':
        for (const spec of [...specs].reverse()) {
          for (let i = 7; i >= 0; i--) {
            const name = replicaName(spec, i);
            const outcome = await stopReplica(name, dir);
            if (outcome !== 'not running') io.stdout.write(`${name}: ${outcome}\n`);
          }
        }
        return 0;
      case 'status': {
        const rows: ReplicaStatus[] = [];
        for (const spec of specs) for (let i = 0; i < 8; i++) {
          const s = await replicaStatus(spec, i, dir);
          if (s) rows.push(s);
        }
        if (values.json) io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        else writeTable(io, rows);
        return rows.length > 0 && rows.every((r) => r.ready) ? 0 : 1;
      }
      default:
        throw new UsageError(`unknown services command "${positionals[0]}"`);
    }
  },
};

async function up(specs: typeof SERVICES, replicas: number, dir: StackDir, io: CommandIo, timeoutMs: number): Promise<number> {
  const env: Record<string, string> = Object.fromEntries(Object.entries(io.env).filter((e): e is [string, string] => e[1] !== undefined));
  if (!env['CARD_TOKEN_KEYS']) {
    env['CARD_TOKEN_KEYS'] = devCardTokenKeys(dir);
    env['CARD_TOKEN_ACTIVE_KEY'] = env['CARD_TOKEN_KEYS'].split(':')[0]!;
  }
  env['MODEL_SOURCE'] ??= 'http://127.0.0.1:8095';
  for (const [k, v] of Object.entries(alertReceiverDevEnv(dir))) env[k] ??= v;
  const rows: ReplicaStatus[] = [];
  for (const spec of specs) {
    const count = spec.scalable ? replicas : 1;
    const started = await Promise.all(Array.from({ length: count }, (_, i) => startReplica(spec, i, dir, env, timeoutMs)));
    rows.push(...started);
  }
  writeTable(io, rows);
  return 0;
}

function writeTable(io: CommandIo, rows: readonly ReplicaStatus[]): void {
  if (rows.length === 0) {
    io.stdout.write('no services running (riskstream services up)\n');
    return;
  }
  io.stdout.write(`${'SERVICE'.padEnd(16)} ${'PID'.padEnd(8)} ${'PORT'.padEnd(6)} ${'READY'.padEnd(6)} DETAIL\n`);
  for (const r of rows) io.stdout.write(`${r.name.padEnd(16)} ${String(r.pid ?? '-').padEnd(8)} ${String(r.port).padEnd(6)} ${(r.ready ? 'yes' : 'no').padEnd(6)} ${r.detail}\n`);
}
