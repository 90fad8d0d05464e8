import { join, resolve } from 'node:path';
import { UsageError, field, loadConfig } from '@riskstream/shared';
import { RunStore, compareRuns, comparisonJson, type ListOptions } from '@riskstream/training';
import { parseCommandArgs, type Command, type CommandIo } from '../command.ts';
import { REPO_ROOT } from '../stack/stack-config.ts';

import { formatComparison, formatRunDetail, formatRunList } from './runs-format.ts';

const DEFAULT_LIMIT = 50;

const COMMON_OPTIONS = `  --registry DIR   model registry directory, which holds runs.duckdb
                   (default: $MODEL_REGISTRY_DIR or .riskstream/registry)
  --json           machine-readable output
  -h, --help       this help`;

interface Subcommand {
  readonly synopsis: string;
  readonly help: string;
  /** The options it takes besides --registry, --json and --help. */
  readonly flags: readonly string[];
}

const SUBCOMMANDS: Readonly<Record<'list' | 'show' | 'compare', Subcommand>> = {
  list: {
    synopsis: 'riskstream runs list [--filter EXPR] [--sort FIELD[:asc|desc]] [--limit N] [--parent ID] [--json]',
    flags: ['filter', 'sort', 'limit', 'parent'],
    help: `Tracked training runs, newest first: id, kind, model, status, start, algorithm, ap, auc, valid_ap,
outcome and parent.

  --filter EXPR    e.g. "metrics.ap > 0.6 and params.algorithm = 'rf'", "kind = trial",
                   "(outcome.status = promoted or metrics.auc >= 0.78) and not status = failed".
                   Fields: metrics.NAME, params.NAME, data.NAME, outcome.NAME, id, parent, model, kind,
                   status, started, ended, code; operators = != < <= > >=; and, or, not, parentheses
  --sort FIELD     a filter field, or started/ended; :asc or :desc (default started:desc)
  --limit N        at most N runs (default ${DEFAULT_LIMIT})
  --parent ID      only the children of run ID (a sweep's trials); a unique id prefix is enough`,
  },
  show: {
    synopsis: 'riskstream runs show ID [--json]',
    flags: [],
    help: `One run: its header, parameters, data, metrics, artifacts, outcome and error. ID may be a unique
prefix of the run's id.`,
  },
  compare: {
    synopsis: 'riskstream runs compare ID ID... [--only-diff] [--json]',
    flags: ['only-diff'],
    help: `Parameters and metrics of two or more runs side by side, one column per run. Rows whose values
differ are highlighted (bold yellow on a terminal, a leading * otherwise); the best value of each
metric is marked with <.

  --only-diff      only the rows that differ`,
  },
};

const USAGE = `Usage:
${Object.values(SUBCOMMANDS)
  .map((s) => `  ${s.synopsis}`)
  .join('\n')}

Every training run (train, retrain, sweep, its trials, algorithm selection) is recorded with its
parameters, data, metrics, artifacts and outcome in runs.duckdb next to the model registry.
riskstream runs SUBCOMMAND --help describes each.

Options:
${COMMON_OPTIONS}`;

function subcommandUsage(name: keyof typeof SUBCOMMANDS): string {
  const s = SUBCOMMANDS[name];
  return `Usage: ${s.synopsis}\n\n${s.help}\n\nOptions:\n${COMMON_OPTIONS}`;
}

function isSubcommand(name: string): name is keyof typeof SUBCOMMANDS {
  return Object.hasOwn(SUBCOMMANDS, name);
}

export const runsCommand: Command = {
  name: 'runs',
  summary: 'list, show and compare tracked training runs',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      filter: { type: 'string' },
      sort: { type: 'string' },
      limit: { type: 'string' },
      parent: { type: 'string' },
      'only-diff': { type: 'boolean' },
      registry: { type: 'string' },
      json: { type: 'boolean' },
    });
    const [verb, ...ids] = positionals;
    if (verb === undefined || (values.help && !isSubcommand(verb))) {
      io.stdout.write(`${USAGE}\n`);
      return values.help ? 0 : 2;
    }
    if (!isSubcommand(verb)) throw new UsageError(`unknown runs command "${verb}" (one of: ${Object.keys(SUBCOMMANDS).join(', ')})`);
    if (values.help) {
      io.stdout.write(`${subcommandUsage(verb)}\n`);
      return 0;
    }
    checkFlags(verb, values);
    const store = await openStore(values.registry, io);
    const json = values.json === true;
    switch (verb) {
      case 'list':
        return list(store, await listOptions(store, values, ids), json, io);
      case 'show':
        return show(store, ids, json, io);
      case 'compare':
        return compare(store, ids, { json, onlyDiff: values['only-diff'] === true }, io);
    }
  },
};

/** Options of another subcommand are a mistake, not something to ignore. */
function checkFlags(verb: keyof typeof SUBCOMMANDS, values: Record<string, unknown>): void {
  for (const [name, s] of Object.entries(SUBCOMMANDS)) {
    if (name === verb) continue;
    const misplaced = s.flags.find((f) => values[f] !== undefined && !SUBCOMMANDS[verb].flags.includes(f));
    if (misplaced) throw new UsageError(`--${misplaced} applies to runs ${name} only`);
  }
}

async function openStore(registry: string | undefined, io: CommandIo): Promise<RunStore> {
  const env = loadConfig(
    { registryDir: field.string({ env: 'MODEL_REGISTRY_DIR', description: 'model registry directory', default: join(REPO_ROOT, '.riskstream', 'registry') }) },
    io.env,
  );
  return RunStore.open(resolve(registry ?? env.registryDir));
}

interface ListValues {
  readonly filter?: string | undefined;
  readonly sort?: string | undefined;
  readonly limit?: string | undefined;
  readonly parent?: string | undefined;
}

async function listOptions(store: RunStore, v: ListValues, extra: readonly string[]): Promise<ListOptions> {
  if (extra.length > 0) throw new UsageError(`runs list takes no arguments, got "${extra.join(' ')}" (did you mean --filter?)`);
  if (v.limit !== undefined && (!/^\d+$/.test(v.limit) || Number(v.limit) < 1)) throw new UsageError(`--limit must be an integer >= 1, got "${v.limit}"`);
  return {
    limit: v.limit !== undefined ? Number(v.limit) : DEFAULT_LIMIT,
    ...(v.filter !== undefined ? { filter: v.filter } : {}),
    ...(v.sort !== undefined ? { sort: v.sort } : {}),
    // A prefix is resolved like every other run id, so a missing parent is reported, not an empty list.
    ...(v.parent !== undefined ? { parentId: (await store.get(v.parent)).id } : {}),
  };
}

async function list(store: RunStore, options: ListOptions, json: boolean, io: CommandIo): Promise<number> {
  const runs = await store.list(options);
  if (json) io.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
  else if (runs.length === 0) io.stdout.write(`${noRunsLine(store, options)}\n`);
  else io.stdout.write(formatRunList(runs));
  return 0;
}

function noRunsLine(store: RunStore, o: ListOptions): string {
  const criteria = [...(o.filter !== undefined ? [`--filter ${JSON.stringify(o.filter)}`] : []), ...(o.parentId !== undefined ? [`--parent ${o.parentId}`] : [])];
  return criteria.length > 0 ? `no runs match ${criteria.join(' ')}` : `no runs match: none recorded yet in ${store.path}`;
}

async function show(store: RunStore, ids: readonly string[], json: boolean, io: CommandIo): Promise<number> {
  if (ids.length !== 1) throw new UsageError(`runs show needs exactly one run ID, got ${ids.length}`);
  const run = await store.get(ids[0]!);
  io.stdout.write(json ? `${JSON.stringify(run, null, 2)}\n` : formatRunDetail(run));
  return 0;
}

async function compare(store: RunStore, ids: readonly string[], o: { json: boolean; onlyDiff: boolean }, io: CommandIo): Promise<number> {
  if (ids.length < 2) throw new UsageError(`runs compare needs at least two run IDs, got ${ids.length}`);
  const runs = [];
  for (const id of ids) runs.push(await store.get(id));
  const comparison = compareRuns(runs);
  const tty = (io.stdout as { isTTY?: boolean }).isTTY === true;
  io.stdout.write(o.json ? `${JSON.stringify(comparisonJson(comparison), null, 2)}\n` : formatComparison(comparison, { tty, onlyDiff: o.onlyDiff }));
  return 0;
}
