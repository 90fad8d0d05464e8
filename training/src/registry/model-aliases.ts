/**
 * `<registry>/<name>/aliases.json`: which version is champion (serving) and challenger (shadow), plus an
 * append-only history of every change. The history is the source of truth for rollback: replaying the
 * champion entries (promote/set push a version, rollback pops one) gives the stack of champions, so
 * repeated rollbacks walk back through earlier champions instead of bouncing between the last two.
 */
import { ModelError } from '@riskstream/shared';
import { parseExperiment, type ExperimentSpec } from '@riskstream/shared/model';

export type AliasName = 'champion' | 'challenger';
export const ALIAS_NAMES: readonly AliasName[] = ['champion', 'challenger'];

export type AliasAction = 'set' | 'clear' | 'promote' | 'rollback';

export interface AliasHistoryEntry {
  readonly alias: AliasName;
  /** The version the alias points to after this change (absent for `clear`). */
  readonly version?: number;
  readonly at: string;
  readonly reason: string;
  readonly action: AliasAction;
  /** For promote: the gate's evidence, kept for audit. */
  readonly gate?: { readonly delta: number; readonly ci: readonly [number, number]; readonly reasons: readonly string[] };
}

/** An experiment that ended, kept for audit. */
export interface EndedExperiment {
  readonly experiment: ExperimentSpec;
  readonly stoppedAt: string;
  readonly reason: string;
}

export interface AliasesDocument {
  readonly champion?: number;
  readonly challenger?: number;
  readonly history: readonly AliasHistoryEntry[];
  /** The live experiment (shared/src/model/experiment.ts), when one runs. */
  readonly experiment?: ExperimentSpec;
  readonly endedExperiments?: readonly EndedExperiment[];
}

export const EMPTY_ALIASES: AliasesDocument = Object.freeze({ history: Object.freeze([]) });

export function parseAliases(model: string, text: string): AliasesDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelError(model, 'aliases.json is not valid JSON', err);
  }
  const problems: string[] = [];
  const doc = json as Record<string, unknown>;
  if (typeof json !== 'object' || json === null || !Array.isArray(doc['history'])) {
    throw new ModelError(model, 'aliases.json must be an object with a history array');
  }
  for (const alias of ALIAS_NAMES) {
    const v = doc[alias];
    if (v !== undefined && (!Number.isSafeInteger(v) || (v as number) < 1)) problems.push(`${alias} must be a version number`);
  }
  (doc['history'] as unknown[]).forEach((e, i) => {
    const entry = e as Record<string, unknown>;
    if (typeof e !== 'object' || e === null || !ALIAS_NAMES.includes(entry['alias'] as AliasName) || typeof entry['action'] !== 'string') {
      problems.push(`history[${i}] is malformed`);
    }
  });
  if (problems.length > 0) throw new ModelError(model, `aliases.json: ${problems.join('; ')}`);
  if (doc['experiment'] !== undefined) parseExperiment(model, doc['experiment']);
  return json as AliasesDocument;
}

/** Champion versions in the order they became champion, with rolled-back ones removed. */
export function championStack(doc: AliasesDocument): number[] {
  const stack: number[] = [];
  for (const entry of doc.history) {
    if (entry.alias !== 'champion') continue;
    if (entry.action === 'rollback') stack.pop();
    else if (entry.action === 'clear') stack.length = 0;
    else if (entry.version !== undefined) stack.push(entry.version);
  }
  return stack;
}
