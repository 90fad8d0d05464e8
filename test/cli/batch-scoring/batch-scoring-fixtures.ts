/**
 * Shared setup for the batch-scoring tests: a temp registry with two small trained models (v1 the
 * champion, v2 the challenger), and simulated raw transactions as `riskstream simulate --out` writes them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryModelSource } from '@riskstream/shared/model';
import { ModelRegistry, simulate, writeCsv, type SimulationResult } from '@riskstream/training';
import type { ValidationRules } from '@riskstream/ingest';
import { registerModel, simulatedData, trainedModel } from '../../services/scoring/scoring-fixtures.ts';

export async function tempDir(t: { after: (fn: () => Promise<void>) => void }, prefix = 'batch-scoring-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Thresholds low enough that a small simulated file gets all three decisions. */
export const THRESHOLDS = { review: 0.02, decline: 0.1 };

export interface TestRegistry {
  readonly dir: string;
  readonly source: DirectoryModelSource;
}

/** `fraud` v1 (champion) and v2 (challenger, other trees and thresholds), trained in well under a second each. */
export async function testRegistry(t: { after: (fn: () => Promise<void>) => void }): Promise<TestRegistry> {
  const dir = await tempDir(t, 'batch-scoring-registry-');
  const registry = await ModelRegistry.open(dir);
  const data = simulatedData(300, 7);
  await registerModel(registry, 'fraud', trainedModel(data, { rounds: 30, seed: 1 }), { promote: true, thresholds: THRESHOLDS });
  const v2 = await registerModel(registry, 'fraud', trainedModel(data, { rounds: 12, seed: 2, maxLeaves: 4 }), { thresholds: { review: 0.5, decline: 0.9 } });
  await registry.setAlias('fraud', 'challenger', v2.version, 'test');
  return { dir, source: new DirectoryModelSource(dir) };
}

/** A few simulated days: every raw field, including terminal-less and channel-less rows, with labels. */
export function simulatedDays(days = 10, seed = 11): SimulationResult {
  return simulate({ nCustomers: 150, nTerminals: 300, nbDays: days, seed });
}

export async function simulatedCsv(dir: string, days = 10, seed = 11): Promise<{ path: string; sim: SimulationResult }> {
  const sim = simulatedDays(days, seed);
  const path = join(dir, 'transactions.csv');
  await writeCsv(sim, path);
  return { path, sim };
}

/** Ingest's defaults (INGEST_MAX_AMOUNT, INGEST_MAX_FUTURE_MINUTES). */
export const INGEST_RULES: ValidationRules = { maxAmount: 1_000_000, maxFutureMs: 10 * 60_000 };
