import { join, resolve } from 'node:path';
import { UsageError, field, loadConfig } from '@riskstream/shared';
import { experimentProblems, type ExperimentArm, type ExperimentSpec } from '@riskstream/shared/model';
import { ModelRegistry, type GateResult } from '@riskstream/training';
import { parseCommandArgs, type Command, type CommandIo } from '../command.ts';
import { announceRegistryChange, type LifecycleAction } from '../lifecycle-publisher.ts';
import { REPO_ROOT } from '../stack/stack-config.ts';
import { formatExperimentStatus, type ExperimentStatusView } from './experiment-status-format.ts';

const USAGE = `Usage:
  riskstream experiment start --name N --arms champion,v7[,v8] [--split 90,10 | --bandit thompson]
                              [--max-share 0.2] [--min-events 5000]
  riskstream experiment status [--json]
  riskstream experiment stop [--reason TEXT]
  riskstream experiment promote --arm ARM [--force]

Runs one live experiment per model: each card goes to one arm for the whole experiment (a hash of the
card token and the experiment name), and that arm's model and thresholds decide its transactions in
scoring and in the decision API. Scored records name the experiment and arm; the shadow challenger
stays separate. The registry keeps the experiment (aliases.json); every change is announced on
models.lifecycle.v1 (EXPERIMENT_STARTED, ARM_WEIGHTS, EXPERIMENT_STOPPED).

  start     arms: champion (the control, always first), challenger, vN or N for version N.
            --split P,P,...  fixed shares in percent, one per arm, summing to 100 (default: equal)
            --bandit thompson  Thompson sampling on each arm's value per event (the drift monitor
                             updates the weights from delayed labels, estimated value before them)
            --max-share S    bandit: the largest share any arm but the champion may get (default 0.2)
            --min-events N   bandit: labelled events an arm needs before it can be stopped; until then it
                             keeps EXPERIMENT_FLOOR_SHARE of the traffic (default 5000)
  status    the experiment and, from the drift monitor, each arm's events, decisions, realised and
            estimated precision/recall (95% intervals), value per event and weight
  stop      every card back to the champion
  promote   stops the experiment and makes ARM's version the champion; refused unless the 95% interval
            of ARM's value per event (the bandit's posterior) lies above the champion's (--force skips it)

Options:
  --model NAME     the model (default: $MODEL_NAME or fraud)
  --registry DIR   model registry directory (default: $MODEL_REGISTRY_DIR or .riskstream/registry)
  --json           machine-readable status
  -h, --help       this help

Environment: DRIFT_MONITOR_URL (default http://127.0.0.1:8094) for status and promote;
RISKSTREAM_NO_PUBLISH=1 changes only the registry (scoring picks it up on its next reconciliation).`;

const DEFAULT_MAX_SHARE = 0.2;
const DEFAULT_MIN_EVENTS = 5000;

export const experimentCommand: Command = {
  name: 'experiment',
  summary: 'start, inspect, stop and promote live experiments (A/B split or Thompson bandit)',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      name: { type: 'string' },
      arms: { type: 'string' },
      split: { type: 'string' },
      bandit: { type: 'string' },
      'max-share': { type: 'string' },
      'min-events': { type: 'string' },
      reason: { type: 'string' },
      arm: { type: 'string' },
      force: { type: 'boolean' },
      model: { type: 'string' },
      registry: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help || positionals.length !== 1) {
      io.stdout.write(`${USAGE}\n`);
      return values.help ? 0 : 2;
    }
    const env = loadConfig({
      registryDir: field.string({ env: 'MODEL_REGISTRY_DIR', description: 'model registry directory', default: join(REPO_ROOT, '.riskstream', 'registry') }),
      modelName: field.string({ env: 'MODEL_NAME', description: 'the model experimented on', default: 'fraud' }),
      driftMonitorUrl: field.string({ env: 'DRIFT_MONITOR_URL', description: 'the drift monitor, for live statistics', default: 'http://127.0.0.1:8094' }),
    }, io.env);
    const ctx: Context = { io, registry: await ModelRegistry.open(resolve(values.registry ?? env.registryDir)), model: values.model ?? env.modelName, driftMonitorUrl: env.driftMonitorUrl };
    switch (positionals[0]) {
      case 'start':
        return start(ctx, values);
      case 'status':
        return status(ctx, values.json === true);
      case 'stop':
        return stop(ctx, values.reason ?? 'stopped by hand (riskstream experiment stop)');
      case 'promote':
        return promote(ctx, values.arm, values.force === true);
      default:
        throw new UsageError(`unknown experiment command "${positionals[0]}"`);
    }
  },
};

interface Context {
  readonly io: CommandIo;
  readonly registry: ModelRegistry;
  readonly model: string;
  readonly driftMonitorUrl: string;
}

interface StartOptions {
  readonly name?: string | undefined;
  readonly arms?: string | undefined;
  readonly split?: string | undefined;
  readonly bandit?: string | undefined;
  readonly 'max-share'?: string | undefined;
  readonly 'min-events'?: string | undefined;
}

async function start(ctx: Context, o: StartOptions): Promise<number> {
  if (!o.name || !o.arms) throw new UsageError('start needs --name and --arms');
  if (o.split !== undefined && o.bandit !== undefined) throw new UsageError('--split and --bandit exclude each other');
  if (o.bandit !== undefined && o.bandit !== 'thompson') throw new UsageError(`--bandit must be thompson, got "${o.bandit}"`);
  const aliases = await ctx.registry.aliases(ctx.model);
  const arms = o.arms.split(',').map((label) => armOf(label.trim(), aliases));
  const maxShare = o['max-share'] !== undefined ? numberIn('--max-share', o['max-share'], 0, 1) : DEFAULT_MAX_SHARE;
  const spec: ExperimentSpec = {
    name: o.name,
    mode: o.bandit !== undefined ? 'bandit' : 'split',
    arms,
    weights: o.bandit !== undefined ? banditStartWeights(arms.length, maxShare) : splitWeights(o.split, arms.length),
    maxShare,
    minEvents: o['min-events'] !== undefined ? Math.round(numberIn('--min-events', o['min-events'], 0, Number.MAX_SAFE_INTEGER)) : DEFAULT_MIN_EVENTS,
    startedAt: Date.now(),
  };
  const problems = experimentProblems(spec);
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  await ctx.registry.startExperiment(ctx.model, spec);
  ctx.io.stdout.write(`${ctx.model}: experiment ${spec.name} started (${spec.mode}): ${describeWeights(spec)}\n`);
  return announce(ctx, 'EXPERIMENT_STARTED', spec, [`${spec.mode} ${describeWeights(spec)}`]);
}

/** `champion`, `challenger`, `v7` or `7`, resolved against the registry's aliases. */
function armOf(label: string, aliases: { champion?: number; challenger?: number }): ExperimentArm {
  const version = label === 'champion' || label === 'challenger' ? aliases[label] : /^v?(\d+)$/.exec(label)?.[1];
  if (version === undefined) throw new UsageError(`arm "${label}": not champion, challenger, vN or N${label === 'champion' || label === 'challenger' ? ` (no ${label} is set)` : ''}`);
  return { arm: label, version: Number(version) };
}

function numberIn(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`${flag} must be a number in [${min}, ${max}], got "${text}"`);
  return n;
}

function splitWeights(split: string | undefined, arms: number): number[] {
  if (split === undefined) return Array.from({ length: arms }, () => 1 / arms);
  const percents = split.split(',').map((p) => numberIn('--split', p.trim(), 0, 100));
  if (percents.length !== arms) throw new UsageError(`--split has ${percents.length} shares for ${arms} arms`);
  const total = percents.reduce((s, p) => s + p, 0);
  if (Math.abs(total - 100) > 1e-9) throw new UsageError(`--split shares must sum to 100, got ${total}`);
  return percents.map((p) => p / 100);
}

/** A bandit starts every new arm at its cap or an equal share, whichever is smaller; the champion takes the rest. */
export function banditStartWeights(arms: number, maxShare: number): number[] {
  const share = Math.min(maxShare, 1 / arms);
  return [1 - share * (arms - 1), ...Array.from({ length: arms - 1 }, () => share)];
}

function describeWeights(spec: ExperimentSpec): string {
  return spec.arms.map((a, i) => `${a.arm} (v${a.version}) ${(spec.weights[i]! * 100).toFixed(1)}%`).join(', ');
}

async function running(ctx: Context): Promise<ExperimentSpec> {
  const experiment = (await ctx.registry.aliases(ctx.model)).experiment;
  if (!experiment) throw new UsageError(`${ctx.model} runs no experiment`);
  return experiment;
}

async function status(ctx: Context, json: boolean): Promise<number> {
  const spec = await running(ctx);
  const live = await liveStatus(ctx, spec.name);
  const view: ExperimentStatusView = { model: ctx.model, spec, live: live.status, liveError: live.error };
  ctx.io.stdout.write(json ? `${JSON.stringify(view, null, 2)}\n` : formatExperimentStatus(view));
  return 0;
}

/** The drift monitor's statistics of the experiment; an error message when it cannot tell. */
async function liveStatus(ctx: Context, name: string): Promise<{ status?: ExperimentStatusView['live']; error?: string }> {
  const url = `${ctx.driftMonitorUrl.replace(/\/+$/, '')}/v1/experiments/${encodeURIComponent(name)}`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (res.status === 404) return { error: `the drift monitor has no statistics for ${name} yet (${url})` };
    if (!res.ok) return { error: `the drift monitor answered ${res.status} (${url})` };
    return { status: (await res.json()) as ExperimentStatusView['live'] };
  } catch (err) {
    return { error: `the drift monitor is not reachable at ${url} (${(err as Error).message})` };
  }
}

async function stop(ctx: Context, reason: string): Promise<number> {
  const spec = await running(ctx);
  await ctx.registry.stopExperiment(ctx.model, spec.name, reason);
  ctx.io.stdout.write(`${ctx.model}: experiment ${spec.name} stopped; every card goes to the champion\n`);
  return announce(ctx, 'EXPERIMENT_STOPPED', spec, [reason]);
}

async function promote(ctx: Context, armLabel: string | undefined, force: boolean): Promise<number> {
  if (!armLabel) throw new UsageError('promote needs --arm');
  const spec = await running(ctx);
  const index = spec.arms.findIndex((a) => a.arm === armLabel);
  if (index < 0) throw new UsageError(`${spec.name} has no arm "${armLabel}" (arms: ${spec.arms.map((a) => a.arm).join(', ')})`);
  if (index === 0) throw new UsageError(`"${armLabel}" is the champion already; use experiment stop`);
  const gate = liveGate(spec, index, (await liveStatus(ctx, spec.name)).status, force);
  if (!gate.promote) {
    ctx.io.stderr.write(`refused: ${gate.reasons.join('; ')}\n`);
    return 1;
  }
  await ctx.registry.stopExperiment(ctx.model, spec.name, `arm ${armLabel} promoted`);
  await ctx.registry.promote(ctx.model, spec.arms[index]!.version, gate, `experiment ${spec.name}: arm ${armLabel} promoted`);
  ctx.io.stdout.write(`${ctx.model}: v${spec.arms[index]!.version} (arm ${armLabel}) is the champion; experiment ${spec.name} stopped\n`);
  const stopped = await announce(ctx, 'EXPERIMENT_STOPPED', spec, [`arm ${armLabel} promoted`]);
  if (stopped !== 0) return stopped;
  const entry = await ctx.registry.get(ctx.model, spec.arms[index]!.version);
  return announceRegistryChange(ctx.io, { action: 'PROMOTED', model: entry, previousVersion: spec.arms[0]!.version, reasons: gate.reasons }, `${entry.name} v${entry.version}`);
}

/** The registry's promotion record from the live evidence: value per event of the arm against the champion's. */
function liveGate(spec: ExperimentSpec, index: number, live: ExperimentStatusView['live'], force: boolean): GateResult {
  const arm = live?.arms.find((a) => a.arm === spec.arms[index]!.arm);
  const control = live?.arms.find((a) => a.arm === spec.arms[0]!.arm);
  const challenger = arm?.valuePerEvent.blended ?? Number.NaN;
  const champion = control?.valuePerEvent.blended ?? Number.NaN;
  const delta = challenger - champion;
  const armLow = arm?.valuePerEvent.ci[0] ?? Number.NaN;
  const controlHigh = control?.valuePerEvent.ci[1] ?? Number.NaN;
  const evidence = Number.isFinite(delta)
    ? `live value per event ${fmt(challenger)} vs champion ${fmt(champion)} ${live?.currency ?? ''} (arm 95% low ${fmt(armLow)}, champion 95% high ${fmt(controlHigh)})`
    : 'no live statistics from the drift monitor';
  const better = armLow > controlHigh;
  const reasons = force ? [`forced (--force); ${evidence}`] : [better ? evidence : `the arm is not shown better: ${evidence}`];
  return {
    promote: force || better,
    reasons,
    metric: 'value',
    challenger,
    champion,
    hasChampion: true,
    delta,
    ci: [armLow - controlHigh, (arm?.valuePerEvent.ci[1] ?? Number.NaN) - (control?.valuePerEvent.ci[0] ?? Number.NaN)],
    pValue: Number.NaN,
    skippedResamples: 0,
    ...(live?.currency ? { currency: live.currency } : {}),
  };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : '-';
}

/** EXPERIMENT_* on models.lifecycle.v1, about the champion arm, carrying the experiment as it now is. */
async function announce(ctx: Context, action: LifecycleAction, spec: ExperimentSpec, reasons: readonly string[]): Promise<number> {
  const control = await ctx.registry.get(ctx.model, spec.arms[0]!.version);
  return announceRegistryChange(ctx.io, { action, model: control, reasons, experiment: spec }, spec.name);
}
