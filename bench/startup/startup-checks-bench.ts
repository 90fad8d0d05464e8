/**
 * Checks that run on every start or training: the kafkajs patch check (every service's start) and
 * checkData on the UCI dataset (every `riskstream train --csv`). Each is repeated; the JSON reports the
 * median and the spread. Their targets are in bench/run.ts.
 *
 *   node bench/startup/startup-checks-bench.ts [--repeats N]
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { missingPatches } from '@riskstream/shared';
import { readCsvDataset } from '../../training/src/data/csv-reader.ts';
import { checkData } from '../../training/src/build/data-checks.ts';

const UCI = process.env['UCI_CSV'] ?? new URL('../../../shared/datasets/default_of_credit_card_clients.csv', import.meta.url).pathname;

const { values } = parseArgs({ options: { repeats: { type: 'string', default: '15' } } });
const repeats = Number(values.repeats);

function timings(run: () => void): { medianMs: number; minMs: number; maxMs: number; repeats: number } {
  run(); // warm-up: first-use module and JIT costs a running service has already paid
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    run();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  return { medianMs: round(ms[Math.floor(ms.length / 2)]!), minMs: round(ms[0]!), maxMs: round(ms[ms.length - 1]!), repeats };
}

const result: Record<string, unknown> = { dependencyPatches: timings(() => missingPatches()) };
if (existsSync(UCI)) {
  const { dataset } = await readCsvDataset(UCI, { target: 'default payment next month', idColumn: 'ID' });
  const ids = Int32Array.from({ length: dataset.rows }, (_, i) => i + 1);
  result['uciDataChecks'] = { rows: dataset.rows, cols: dataset.cols, ...timings(() => checkData(dataset, { ids, ranges: { AGE: { min: 18, max: 100 }, SEX: { min: 1, max: 2 } } })) };
} else {
  result['uciDataChecks'] = { skipped: `${UCI} absent` };
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
