import { join, resolve } from 'node:path';
import { field, loadConfig, UsageError } from '@riskstream/shared';
import { createModelSource } from '@riskstream/shared/model';
import { ingestConfigSchema } from '@riskstream/ingest';
import { DECISIONS } from '@riskstream/scoring';
import { parseModelRef } from '../batch-scoring/model-ref.ts';
import { scoreFile, type BadRow, type ScoreSummary } from '../batch-scoring/score-file.ts';
import { tableFormatOf } from '../batch-scoring/table-format.ts';
import { parseCommandArgs, type Command, type CommandIo } from '../command.ts';
import { createProgress } from '../progress-bar.ts';
import { REPO_ROOT } from '../stack/stack-config.ts';

const USAGE = `Usage: riskstream score --in FILE --out FILE [--model NAME[@VERSION|@champion|@challenger]]
                        [--registry DIR|URL] [--strict] [--quiet]

Scores a table of transactions with a registered model exactly as the scoring service does (same model
load, scorer, thresholds and reasons) and writes one row per scored input row, in input order:
transaction_id (or row, when the input has no ids), score, decision, reasons (top 3, JSON), model_name,
model_version. No card number is ever written.

Formats, from the extension, in and out: .csv, .jsonl or .ndjson (JSON lines), .parquet.

Input, told from the columns:
  features           a column per feature of the model (riskstream models show NAME): scored as given
  raw transactions   the transactions.raw.v1 fields, e.g. riskstream simulate --out: transaction_id,
                     card_number, amount, currency, event_time (customer_id, terminal_id, channel
                     optional). Each row passes ingest's validation; the features are computed point in
                     time from the file's own history, in event-time order, as the streaming feature
                     service computes them. An is_fraud column (0/1) serves as the label feed for the
                     terminal risk features; without it every terminal risk is 0.

Bad rows (rejected by validation, malformed, not numbers) are reported on stderr with their line (their
row, for Parquet) and skipped; --strict stops at the first one with exit code 1 and writes nothing.

Options:
  --in FILE          input table
  --out FILE         output table; it appears only once complete
  --model REF        NAME (its champion), NAME@VERSION, NAME@champion or NAME@challenger (default fraud)
  --registry DIR     model registry directory, or the URL of riskstream models serve
                     (default: $MODEL_REGISTRY_DIR or .riskstream/registry)
  --strict           stop at the first bad row
  --quiet            no progress output
  -h, --help         this help

Raw input is validated with ingest's limits: INGEST_MAX_AMOUNT, INGEST_MAX_FUTURE_MINUTES.`;

/** Enough to see what is wrong with a file; the summary counts the rest. */
const SHOWN_BAD_ROWS = 100;

export const scoreCommand: Command = {
  name: 'score',
  summary: 'batch-score a CSV, JSON lines or Parquet file with a registered model',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      in: { type: 'string' },
      out: { type: 'string' },
      model: { type: 'string' },
      registry: { type: 'string' },
      strict: { type: 'boolean' },
      quiet: { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (!values.in) throw new UsageError('needs --in FILE');
    if (!values.out) throw new UsageError('needs --out FILE');
    const input = resolve(values.in);
    const output = resolve(values.out);
    if (input === output) throw new UsageError('--out must not be the --in file');
    for (const file of [input, output]) tableFormatOf(file);
    const model = parseModelRef(values.model ?? 'fraud');
    const env = loadConfig(
      {
        registryDir: field.string({ env: 'MODEL_REGISTRY_DIR', description: 'model registry directory', default: join(REPO_ROOT, '.riskstream', 'registry') }),
        maxAmount: ingestConfigSchema.maxAmount,
        maxFutureMinutes: ingestConfigSchema.maxFutureMinutes,
      },
      io.env,
    );
    const registry = values.registry ?? env.registryDir;
    const progress = createProgress(io.stderr, values.quiet !== true);
    const summary = await scoreFile({
      input,
      output,
      model,
      source: createModelSource(/^https?:\/\//i.test(registry) ? registry : resolve(registry)),
      strict: values.strict === true,
      rules: { maxAmount: env.maxAmount, maxFutureMs: env.maxFutureMinutes * 60_000 },
      progress,
      onBadRow: badRowReporter(io),
    }).finally(() => progress.finish());
    io.stdout.write(describe(summary, output));
    return 0;
  },
};

function badRowReporter(io: CommandIo): (bad: BadRow) => void {
  let shown = 0;
  return (bad) => {
    if (shown < SHOWN_BAD_ROWS) io.stderr.write(`bad row, skipped: ${bad.at}: ${bad.problem}\n`);
    else if (shown === SHOWN_BAD_ROWS) io.stderr.write(`(more bad rows: counted in the summary, not shown)\n`);
    shown++;
  };
}

function describe(s: ScoreSummary, output: string): string {
  const kind = s.inputKind === 'raw' ? 'raw transactions, features computed' : 'features as given';
  return [
    `scored ${s.scored} of ${s.rows} rows (${kind}) with ${s.model.name} v${s.model.version} -> ${output}`,
    `  bad rows ${s.badRows}; ${s.seconds.toFixed(1)} s, ${Math.round(s.rowsPerSecond)} rows/s; ${(s.outputBytes / 1e6).toFixed(1)} MB written`,
    `  decisions ${DECISIONS.map((d) => `${d} ${s.decisions[d]}`).join(', ')}`,
    '',
  ].join('\n');
}
