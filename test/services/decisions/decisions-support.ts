import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelRegistry, simulate, simulatedTrainingData, trainModel, transactionAt, type SimulatedTransaction } from '@riskstream/training';
import { integrationEnv, uniqueId, type IntegrationEnv } from '../../support/integration.ts';
import { freePort, startChild, waitFor, type ChildService } from '../../support/child-service.ts';
import { pipelineEnv } from '../../support/pipeline-env.ts';
import { deleteRedisKeys } from '../../support/redis-keys.ts';

/** A registry with one trained champion, shared by a test file (a small simulation trains in seconds). */
export async function trainedRegistry(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'rs-decisions-'));
  const dir = join(root, 'registry');
  const registry = await ModelRegistry.open(dir);
  await trainModel(simulatedTrainingData({ seed: 11, simulation: simulate({ nCustomers: 800, nTerminals: 1600, nbDays: 45, seed: 11 }) }), { name: 'fraud', seed: 1, registry });
  return { dir, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** The first n transactions of a simulation, as a client submits them (no label fields). */
export function rawTransactions(n: number, seed = 12, population = { nCustomers: 2500, nTerminals: 5000, nbDays: 8 }): Record<string, unknown>[] {
  const sim = simulate({ ...population, seed });
  if (n > sim.transactions.length) throw new Error(`the simulation has ${sim.transactions.length} transactions, ${n} asked`);
  return Array.from({ length: n }, (_, i) => rawOf(transactionAt(sim, i)));
}

function rawOf(tx: SimulatedTransaction): Record<string, unknown> {
  const { is_fraud: _f, fraud_scenario: _s, ...raw } = tx;
  return raw;
}

export interface DecisionsProcess {
  readonly url: string;
  readonly child: ChildService;
}

/** One test's namespace, groups, Redis prefix and card-token key; decisions processes start from it. */
export interface DecisionsEnv {
  readonly env: IntegrationEnv;
  readonly redisPrefix: string;
  readonly childEnv: Record<string, string>;
  start(extra?: Record<string, string>): Promise<DecisionsProcess>;
  stop(): Promise<void>;
}

export async function decisionsEnv(label: string, registryDir: string, extra: Record<string, string> = {}): Promise<DecisionsEnv> {
  const env = await integrationEnv(label);
  const redisPrefix = `t-${uniqueId()}:`;
  const childEnv: Record<string, string> = {
    ...pipelineEnv(env, registryDir, redisPrefix),
    DECISIONS_KEY_PREFIX: `${redisPrefix}d:`,
    DECISIONS_RELAY_GROUP_ID: env.uniqueGroup('relay'),
    SCORING_MODEL_POLL_MS: '500',
    ...extra,
  };
  const children: ChildService[] = [];
  return {
    env,
    redisPrefix,
    childEnv,
    async start(more = {}) {
      const port = await freePort();
      const child = startChild('services/decisions/src/main.ts', { ...childEnv, HTTP_PORT: String(port), INSTANCE_ID: 'decisions', ...more });
      children.push(child);
      const url = `http://127.0.0.1:${port}`;
      await waitFor('decisions ready', async () => {
        if (child.child.exitCode !== null) throw new Error(`decisions exited ${child.child.exitCode}:\n${child.output()}`);
        return (await fetch(`${url}/readyz`).catch(() => null))?.status === 200;
      }, 90_000, 250);
      return { url, child };
    },
    async stop() {
      for (const c of children) {
        if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGTERM');
        await c.exited();
      }
      await deleteRedisKeys(redisPrefix);
      await env.cleanup();
    },
  };
}

export async function postDecision(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${url}/v1/decisions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

/** Runs `fn` over items with at most `concurrency` in flight; results in input order. */
export async function mapConcurrent<T, R>(items: readonly T[], concurrency: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  }));
  return out;
}

export function apiKey(): string {
  return randomBytes(24).toString('base64url');
}
