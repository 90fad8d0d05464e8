import { join, resolve } from 'node:path';
import { UsageError, field, loadConfig, serviceMain } from '@riskstream/shared';
import { ModelRegistry, type GateResult, type RegisteredModel } from '@riskstream/training';
import { flagsToEnv, parseCommandArgs, type Command, type CommandIo } from '../command.ts';
import { REPO_ROOT } from '../stack/stack-config.ts';
import { announceRegistryChange } from '../lifecycle-publisher.ts';
import { modelServerMain } from '../model-server.ts';

const USAGE = `Usage:
  riskstream models list [NAME] [--json]            every version with its aliases and headline metrics
  riskstream models show NAME[@VERSION|@ALIAS] [--json]   one version's manifest (default: champion)
  riskstream models promote NAME VERSION            make VERSION the champion, if its promotion gate passed
                                                    against the current champion
  riskstream models rollback NAME                   return to the previous champion
  riskstream models serve [--port N] [--host H]     serve the registry read-only over HTTP (default
                                                    127.0.0.1:8095) for scoring instances on other hosts;
                                                    riskstream models serve --help lists its variables

Promotion and rollback are announced on models.lifecycle.v1 (scoring hot-swaps); set
RISKSTREAM_NO_PUBLISH=1 to only change the registry.

Options:
  --registry DIR   model registry directory (default: $MODEL_REGISTRY_DIR or .riskstream/registry)
  --json           machine-readable output
  -h, --help       this help`;

export const modelsCommand: Command = {
  name: 'models',
  summary: 'list, show, promote and roll back registered models',
  usage: USAGE,
  async run(args, io) {
    // The model-server process: its own help, config errors and exit codes, the same as every service's.
    if (args[0] === 'serve') return serve(args.slice(1), io);
    const { values, positionals } = parseCommandArgs(args, {
      registry: { type: 'string' },
      json: { type: 'boolean' },
      port: { type: 'string' },
      host: { type: 'string' },
    });
    if (values.help || positionals.length === 0) {
      io.stdout.write(`${USAGE}\n`);
      return values.help ? 0 : 2;
    }
    const env = loadConfig(
      { registryDir: field.string({ env: 'MODEL_REGISTRY_DIR', description: 'model registry directory', default: join(REPO_ROOT, '.riskstream', 'registry') }) },
      io.env,
    );
    const registry = await ModelRegistry.open(resolve(values.registry ?? env.registryDir));
    const [verb, ...rest] = positionals;
    switch (verb) {
      case 'list':
        return list(registry, rest[0], values.json === true, io);
      case 'show':
        return show(registry, rest[0], values.json === true, io);
      case 'promote':
        if (!rest[0] || !rest[1] || !/^\d+$/.test(rest[1])) throw new UsageError('promote needs NAME VERSION');
        return promoteModel(registry, rest[0], Number(rest[1]), io);
      case 'serve':
        // `models --registry DIR serve ...`: options given before the verb.
        return serve([...optionArgs({ registry: values.registry, port: values.port, host: values.host }), ...rest], io);
      case 'rollback':
        if (!rest[0]) throw new UsageError('rollback needs NAME');
        return rollbackModel(registry, rest[0], io);
      default:
        throw new UsageError(`unknown models command "${verb}"`);
    }
  },
};

function fmt(v: unknown): string {
  return typeof v === 'number' ? v.toFixed(4) : '-';
}

async function list(registry: ModelRegistry, name: string | undefined, json: boolean, io: CommandIo): Promise<number> {
  const entries = await registry.list(name);
  if (json) {
    io.stdout.write(`${JSON.stringify(entries.map((e) => ({ name: e.name, version: e.version, aliases: e.aliases, createdAt: e.manifest.createdAt, metrics: e.manifest.metrics })), null, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) {
    io.stdout.write('no models registered yet (riskstream train --simulated registers one)\n');
    return 0;
  }
  io.stdout.write(`${'NAME'.padEnd(24)} ${'VERSION'.padEnd(8)} ${'ALIASES'.padEnd(20)} ${'CREATED'.padEnd(24)} ${'ROC_AUC'.padEnd(8)} AP\n`);
  for (const e of entries) {
    const m = e.manifest.metrics as Record<string, unknown>;
    io.stdout.write(`${e.name.padEnd(24)} ${String(e.version).padEnd(8)} ${e.aliases.join(',').padEnd(20)} ${e.manifest.createdAt.padEnd(24)} ${fmt(m['roc_auc']).padEnd(8)} ${fmt(m['average_precision'])}\n`);
  }
  return 0;
}

async function resolveRef(registry: ModelRegistry, ref: string | undefined): Promise<RegisteredModel> {
  if (!ref) throw new UsageError('needs NAME[@VERSION|@ALIAS]');
  const [name, sel = 'champion'] = ref.split('@');
  const selector = /^\d+$/.test(sel) ? Number(sel) : sel;
  if (typeof selector === 'string' && !['champion', 'challenger', 'latest'].includes(selector)) {
    throw new UsageError(`unknown selector "@${sel}": use a version number, @champion, @challenger or @latest`);
  }
  return registry.get(name!, selector as number | 'champion' | 'challenger' | 'latest');
}

async function show(registry: ModelRegistry, ref: string | undefined, json: boolean, io: CommandIo): Promise<number> {
  const e = await resolveRef(registry, ref);
  if (json) {
    io.stdout.write(`${JSON.stringify({ ...e.manifest, aliases: e.aliases, dir: e.dir }, null, 2)}\n`);
    return 0;
  }
  const m = e.manifest;
  io.stdout.write(
    [
      `${m.name} v${m.version} (${m.kind})${e.aliases.length ? ` [${e.aliases.join(', ')}]` : ''}`,
      `  created     ${m.createdAt}`,
      `  parent      ${m.parentVersion ?? '-'}`,
      `  features    ${m.featureNames.join(', ')}`,
      `  thresholds  review ${m.thresholds.review.toFixed(4)}, decline ${m.thresholds.decline.toFixed(4)}`,
      `  metrics     ${Object.entries(m.metrics).filter(([, v]) => typeof v === 'number').map(([k, v]) => `${k}=${(v as number).toFixed(4)}`).join(' ')}`,
      `  data hash   ${m.dataHash}`,
      `  onnx        ${e.onnxPath} (sha256 ${m.onnxSha256.slice(0, 16)}…)`,
      ...(e.reportPath ? [`  report      ${e.reportPath}`] : []),
      '',
    ].join('\n'),
  );
  return 0;
}

/**
 * `models promote NAME VERSION` (also the web UI's promote button): refused (exit 1) unless the version's
 * recorded gate was judged against the current champion; then promoted and announced.
 */
export async function promoteModel(registry: ModelRegistry, name: string, version: number, io: CommandIo): Promise<number> {
  const entry = await registry.get(name, version);
  const aliases = await registry.aliases(name);
  const config = entry.manifest.trainingConfig as { gateResult?: GateResult } | null;
  const gate = config?.gateResult;
  if (!gate) throw new UsageError(`${name} v${version} has no recorded promotion gate; retrain it with riskstream train`);
  if ((entry.manifest.parentVersion ?? undefined) !== aliases.champion) {
    io.stderr.write(
      `refused: v${version}'s gate was evaluated against ${entry.manifest.parentVersion === undefined ? 'no champion' : `v${entry.manifest.parentVersion}`}, ` +
        `but the champion is now ${aliases.champion === undefined ? 'none' : `v${aliases.champion}`}; retrain to compare on the same holdout\n`,
    );
    return 1;
  }
  await registry.promote(name, entry.version, gate, 'manual promotion (riskstream models promote)');
  io.stdout.write(`${name}: v${entry.version} is the champion\n`);
  return announce(io, 'PROMOTED', entry, aliases.champion, gate.reasons);
}

/** `models rollback NAME` (also the web UI's rollback button): the previous champion again, announced. */
export async function rollbackModel(registry: ModelRegistry, name: string, io: CommandIo): Promise<number> {
  const before = (await registry.aliases(name)).champion;
  const doc = await registry.rollback(name, 'manual rollback (riskstream models rollback)');
  io.stdout.write(`${name}: champion is now v${doc.champion}\n`);
  return announce(io, 'ROLLED_BACK', await registry.get(name, doc.champion!), before, ['manual rollback']);
}

/** Tells scoring instances (models.lifecycle.v1); the registry change itself is already durable. */
function announce(io: CommandIo, action: 'PROMOTED' | 'ROLLED_BACK', model: RegisteredModel, previous: number | undefined, reasons: readonly string[]): Promise<number> {
  return announceRegistryChange(io, { action, model, ...(previous !== undefined ? { previousVersion: previous } : {}), reasons }, `${model.name} v${model.version}`);
}

/** `models serve` flags, each the command-line form of one of the model server's variables. */
const SERVE_FLAGS: Readonly<Record<string, string>> = { '--registry': 'MODEL_REGISTRY_DIR', '--port': 'HTTP_PORT', '--host': 'HTTP_HOST' };

/** Options given before the verb (`models --registry DIR serve`), back in flag form. */
function optionArgs(options: Record<string, string | undefined>): string[] {
  return Object.entries(options).flatMap(([name, value]) => (value === undefined ? [] : [`--${name}`, value]));
}

/**
 * What `riskstream services up`, docker-compose and k8s start as the model-server process. The flags
 * become variables; serviceMain handles the rest (-h, or a usage error) and owns the process from here:
 * it exits on --help, a bad argument or config, a failed start, and after the drain on SIGTERM/SIGINT.
 */
async function serve(args: readonly string[], io: CommandIo): Promise<number> {
  const { env, rest } = flagsToEnv(args, io.env, SERVE_FLAGS);
  await serviceMain(modelServerMain, rest, env, { stdout: io.stdout, stderr: io.stderr });
  return 0;
}
