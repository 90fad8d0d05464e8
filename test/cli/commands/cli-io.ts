/**
 * Test helpers for running the CLI in-process: `main(argv, io)` with captured stdout/stderr and an env
 * whose MODEL_REGISTRY_DIR points at a temp directory, plus a seeded CSV generator for `train --csv`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import { main } from '../../../cli/src/main.ts';
import { mulberry32 } from '../../../training/bench/random-model.ts';

export interface Capture {
  readonly stream: Writable;
  text(): string;
}

/** A writable that keeps everything written to it (not a TTY, so progress prints plain lines). */
export function capture(): Capture {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `riskstream ...argv` in-process. */
export async function runCli(argv: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const out = capture();
  const err = capture();
  const code = await main(argv, { stdout: out.stream, stderr: err.stream, env });
  return { code, stdout: out.text(), stderr: err.text() };
}

/** A temp directory removed after the test (or suite) `t`. */
export async function tempDir(t: Pick<TestContext, 'after'>, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `rs-cli-${prefix}-`));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** An env with only MODEL_REGISTRY_DIR, so nothing leaks in from the developer's shell. */
/** A registry of the test's own, and a topic namespace of its own for the lifecycle announcements. */
export function registryEnv(registryDir: string): Record<string, string> {
  return { MODEL_REGISTRY_DIR: registryDir, TOPIC_NAMESPACE: `t-cli-${process.pid}-${Date.now().toString(36)}.` };
}

/** mulberry32: a small seeded PRNG, enough for test data (one implementation, beside the random models). */
export const prng = mulberry32;

export interface SyntheticCsv {
  readonly header: readonly string[];
  readonly rows: number;
  readonly positives: number;
}

/**
 * Writes `rows` rows of `idColumn,x1,x2,x3,noise,y`. With the default `signal: 'features'`,
 * y ~ Bernoulli(sigmoid(-1.5 + 1.2 x1 - 0.9 x2 + 0.6 x1 x3)): a model has real but not leakage-level
 * signal (no single feature reaches AUC 0.98), x3 is integer-valued and `noise` is pure noise.
 * With `signal: 'noise'` the roles flip: y depends on `noise` only, so a model trained on it ranks
 * 'features' data no better than chance (same columns, useful to get a champion that a second model
 * clearly beats). The id column is 1..rows, unrelated to y.
 */
export async function writeSyntheticCsv(
  path: string,
  o: { rows?: number; seed?: number; idColumn?: string; signal?: 'features' | 'noise' } = {},
): Promise<SyntheticCsv> {
  const rows = o.rows ?? 3000;
  const rand = prng(o.seed ?? 1);
  const gauss = () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const header = [o.idColumn ?? 'ID', 'x1', 'x2', 'x3', 'noise', 'y'];
  const lines = [header.join(',')];
  let positives = 0;
  for (let i = 0; i < rows; i++) {
    const x1 = gauss();
    const x2 = gauss();
    const x3 = Math.floor(rand() * 4);
    const noise = rand();
    const logit = o.signal === 'noise' ? -1.2 + 5 * (noise - 0.5) : -1.5 + 1.2 * x1 - 0.9 * x2 + 0.6 * x1 * x3;
    const y = rand() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    positives += y;
    lines.push([i + 1, x1.toFixed(5), x2.toFixed(5), x3, noise.toFixed(5), y].join(','));
  }
  await writeFile(path, `${lines.join('\n')}\n`);
  return { header, rows, positives };
}
