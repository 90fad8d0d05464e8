import { rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { checkDriftMonitorConfig, driftMonitorConfigSchema } from '@riskstream/drift-monitor';
import { ConfigError, field, loadConfig, UsageError } from '@riskstream/shared';
import { createModelSource } from '@riskstream/shared/model';
import { parseModelRef } from '../batch-scoring/model-ref.ts';
import { parseCommandArgs, type Command } from '../command.ts';
import { buildDriftReport } from '../drift-report/drift-report.ts';
import { renderDriftReport } from '../drift-report/drift-report-html.ts';
import { createProgress } from '../progress-bar.ts';
import { REPO_ROOT } from '../stack/stack-config.ts';

const USAGE = `Usage: riskstream drift report --from TIME --to TIME --out FILE.html
                               [--model NAME[@VERSION|@champion|@challenger]] [--root DIR]
                               [--registry DIR|URL] [--quiet]

Compares a registered model's reference profile (from its manifest) with the transactions of the
offline store whose event time is in [--from, --to), with the drift monitor's own code: the same
monitored features (DRIFT_FEATURES), statistics (PSI, Jensen-Shannon, binned Kolmogorov-Smirnov,
chi-square), multiple-testing correction (DRIFT_CORRECTION at DRIFT_ALPHA), PSI floor (DRIFT_PSI_FLOOR),
minimum events (DRIFT_MIN_EVENTS) and dataset verdict (DRIFT_DATASET_SHARE). Writes one self-contained
HTML page (inline SVG, no script, nothing fetched): the dataset verdict, a statistics table, the
reference and window distributions of every monitored feature, the score's drift, and realised
(labels joined by transaction id) and estimated (confidence-based) performance per day (per hour for
windows under two days).

Scores are the model version's archived scores in the window; without any (a store filled by
riskstream offline import, or a model that did not serve then) the transactions are scored here
with the model, from the features as served.

Options:
  --from TIME        window start, inclusive: YYYY-MM-DD (00:00 UTC) or an ISO time with a zone
                     (2026-12-01T06:00:00Z)
  --to TIME          window end, exclusive, same forms
  --out FILE         the HTML page to write; it appears only once complete
  --model REF        NAME (its champion), NAME@VERSION, NAME@champion or NAME@challenger
                     (default: MODEL_NAME, else fraud, at its champion)
  --root DIR         offline store root (default: $OFFLINE_STORE_DIR or .riskstream/offline)
  --registry DIR     model registry directory, or the URL of riskstream models serve
                     (default: $MODEL_REGISTRY_DIR or .riskstream/registry)
  --quiet            no progress output on stderr
  -h, --help         this help`;

const TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Epoch ms of a --from/--to value; a date alone is 00:00 UTC. */
export function parseReportTime(option: string, text: string): number {
  const ms = TIME.test(text) && isCalendarDate(text.slice(0, 10)) ? Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text) : Number.NaN;
  if (!Number.isFinite(ms)) throw new UsageError(`${option} "${text}": use YYYY-MM-DD or an ISO time with a zone, e.g. 2026-12-01T06:00:00Z`);
  return ms;
}

/** Date.parse rolls 2026-02-30 over into March; a date must name a day of its month. */
function isCalendarDate(date: string): boolean {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

export const driftCommand: Command = {
  name: 'drift',
  summary: 'drift report: a model\'s reference profile against a window of the offline store, as HTML',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      model: { type: 'string' },
      root: { type: 'string' },
      registry: { type: 'string' },
      quiet: { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const [verb, ...rest] = positionals;
    if (verb !== 'report') throw new UsageError(verb === undefined ? 'needs a subcommand: report' : `unknown drift command "${verb}"`);
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    if (!values.from) throw new UsageError('needs --from TIME');
    if (!values.to) throw new UsageError('needs --to TIME');
    if (!values.out) throw new UsageError('needs --out FILE');
    const fromMs = parseReportTime('--from', values.from);
    const toMs = parseReportTime('--to', values.to);
    if (!(toMs > fromMs)) throw new UsageError(`--to (${values.to}) must be after --from (${values.from})`);

    const monitor = loadConfig(driftMonitorConfigSchema, io.env);
    const issues = checkDriftMonitorConfig(monitor);
    if (issues.length > 0) throw new ConfigError(issues);
    const env = loadConfig(
      {
        registryDir: field.string({ env: 'MODEL_REGISTRY_DIR', description: 'model registry directory', default: join(REPO_ROOT, '.riskstream', 'registry') }),
        offlineStoreDir: field.string({ env: 'OFFLINE_STORE_DIR', description: 'offline store root', default: join(REPO_ROOT, '.riskstream', 'offline') }),
      },
      io.env,
    );
    const registry = values.registry ?? env.registryDir;
    const out = resolve(values.out);
    const progress = createProgress(io.stderr, values.quiet !== true);
    const report = await buildDriftReport({
      source: createModelSource(/^https?:\/\//i.test(registry) ? registry : resolve(registry)),
      model: parseModelRef(values.model ?? monitor.modelName),
      root: resolve(values.root ?? env.offlineStoreDir),
      fromMs,
      toMs,
      monitor,
      progress,
    }).finally(() => progress.finish());
    const temporary = `${out}.${process.pid}.tmp`;
    await writeFile(temporary, renderDriftReport(report));
    await rename(temporary, out);
    const d = report.drift;
    io.stdout.write(
      `${d.dataset.drifted ? 'DATASET DRIFT' : d.dataset.testedCount === 0 ? 'NO VERDICT' : 'no dataset drift'}: ` +
        `${d.dataset.driftedCount} of ${d.dataset.testedCount} tested features drifted` +
        `${d.features.some((f) => f.drifted) ? ` (${d.features.filter((f) => f.drifted).map((f) => f.name).join(', ')})` : ''}; ` +
        `score ${d.score.drifted ? 'drifted' : 'stable'}; ${report.model.name} v${report.model.version}, ${report.rows} transactions -> ${out}\n`,
    );
    return 0;
  },
};
