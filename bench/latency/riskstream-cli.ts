/**
 * The riskstream CLI as the bench drives it: `services up|status|down` exactly as `npm start` runs the
 * services, the topologies `services up` offers, and the model the services serve.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT } from '../../test/support/child-service.ts';
import { SERVICES } from '../../cli/src/services/service-processes.ts';

/** The model a production run serves (the scoring bench's): the handbook protocol on 60 simulated days. */
export const BENCH_REGISTRY = join(ROOT, '.riskstream', 'bench-registry');

export interface CliOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'cli', 'bin', 'riskstream.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function runCliOrThrow(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliOutcome> {
  const out = await runCli(args, env);
  if (out.code !== 0) throw new Error(`riskstream ${args.join(' ')} exited ${out.code}:\n${(out.stderr || out.stdout).slice(-2000)}`);
  return out;
}

/**
 * The values of `services up --topology`, read from its help: undefined when it has no such option (one
 * topology, today's split one), an empty list when it has one whose values the help does not spell out.
 */
export async function offeredTopologies(): Promise<string[] | undefined> {
  const help = (await runCli(['services', 'up', '--help'])).stdout;
  if (!help.includes('--topology')) return undefined;
  const values = /--topology[ =]<?([a-z]+(?:[|,][a-z]+)+)/.exec(help)?.[1];
  return values ? values.split(/[|,]/) : [];
}

/** Trains and registers the bench model unless it is there already (as bench/run.ts prepares the scoring bench). */
export async function ensureBenchModel(log: (m: string) => void): Promise<void> {
  if (existsSync(join(BENCH_REGISTRY, 'fraud', 'aliases.json'))) return;
  log(`training the bench model into ${BENCH_REGISTRY}`);
  await runCliOrThrow(['train', '--simulated', '--days', '60', '--registry', BENCH_REGISTRY, '--quiet']);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Whether every port `services up` would listen on is free. It has no option to move them (each service
 * listens on its fixed base port), so while a demo runs the bench cannot use it.
 */
export async function servicePortsFree(): Promise<boolean> {
  for (const spec of SERVICES) if (!(await portFree(spec.basePort))) return false;
  return true;
}
