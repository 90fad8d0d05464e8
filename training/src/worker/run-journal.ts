/**
 * What the trainer has done for each request, one small JSON file per event id, in the registry
 * directory (`<registry>/.trainer/runs/`; the registry ignores dot-directories). It is what makes the
 * worker safe under redelivery and restarts:
 *
 * - a request whose run is `done` is not processed again (the same event_id never trains twice);
 * - a run that stopped half-way resumes where it stopped: `registered` (the model and its gate verdict
 *   are in the registry) is announced and decided without retraining; `shadow` keeps its deadline
 *   (`shadowUntil`), so a restart neither loses nor restarts the shadow period; `rolling_back` is checked
 *   against the alias history, which tags every rollback with its event id;
 * - `announced` lists the lifecycle events already acknowledged by Kafka, so a resumed run sends only
 *   what is missing (a crash between a send and the journal update re-sends one event with the same
 *   event_id, which consumers treat as a repeat).
 *
 * Files are replaced atomically (write temp, fsync, rename), so a crash leaves the old or the new record.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelError, type LifecycleAction, type RetrainAction } from '@riskstream/shared';
import { writeFileAtomic } from '../registry/atomic-write.ts';
import { withDirectoryLock } from '../registry/directory-lock.ts';

export type RunState = 'training' | 'registered' | 'shadow' | 'rolling_back' | 'rolled_back' | 'done';

/** Label values of trainer_runs_total. */
export const RUN_OUTCOMES = [
  'promoted',
  'rejected',
  'insufficient_data',
  'failed',
  'shadow_started',
  'stale',
  'duplicate',
  'rolled_back',
  'rollback_noop',
] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

export interface RunRecord {
  readonly event_id: string;
  readonly model_name: string;
  readonly action: RetrainAction;
  readonly alert_name: string;
  readonly state: RunState;
  readonly received_at: string;
  readonly updated_at: string;
  /** The challenger registered for this request. */
  readonly version?: number;
  /** The champion the challenger was compared with (null: there was none). */
  readonly parent_version?: number | null;
  /** The gate's verdict and its readable reasons. */
  readonly promote?: boolean;
  readonly reasons?: readonly string[];
  /** Epoch ms when the shadow period ends. */
  readonly shadow_until?: number;
  /** Rollback: the champion before and after. */
  readonly from_version?: number;
  readonly to_version?: number;
  readonly outcome?: RunOutcome;
  readonly announced: readonly LifecycleAction[];
}

export class RunJournal {
  readonly dir: string;
  readonly #now: () => Date;

  constructor(registryRoot: string, now: () => Date = () => new Date()) {
    this.dir = join(registryRoot, '.trainer', 'runs');
    this.#now = now;
  }

  /** File name from a hash: event ids come from outside and must not become paths. */
  #path(eventId: string): string {
    return join(this.dir, `${createHash('sha256').update(eventId).digest('hex').slice(0, 40)}.json`);
  }

  async get(eventId: string): Promise<RunRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.#path(eventId), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return parseRun(text, eventId);
  }

  async put(record: Omit<RunRecord, 'updated_at'>): Promise<RunRecord> {
    await mkdir(this.dir, { recursive: true });
    const next: RunRecord = { ...record, updated_at: this.#now().toISOString() };
    await writeFileAtomic(this.#path(record.event_id), `${JSON.stringify(next, null, 2)}\n`);
    return next;
  }

  /**
   * Runs waiting for the end of their shadow period, earliest deadline first. A record that cannot be
   * read is listed in `unreadable` instead of failing the start-up of the whole worker.
   */
  async pendingShadows(): Promise<{ runs: RunRecord[]; unreadable: string[] }> {
    let files: string[];
    try {
      files = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { runs: [], unreadable: [] };
      throw err;
    }
    const runs: RunRecord[] = [];
    const unreadable: string[] = [];
    for (const f of files.filter((f) => f.endsWith('.json') && !f.startsWith('.'))) {
      try {
        const run = parseRun(await readFile(join(this.dir, f), 'utf8'), f);
        if (run.state === 'shadow') runs.push(run);
      } catch {
        unreadable.push(join(this.dir, f));
      }
    }
    return { runs: runs.sort((a, b) => (a.shadow_until ?? 0) - (b.shadow_until ?? 0)), unreadable };
  }

  /** Cross-process mutual exclusion for one run (two trainer replicas must not both finalize it). */
  async withLock<T>(eventId: string, fn: () => Promise<T>): Promise<T> {
    await mkdir(this.dir, { recursive: true });
    return withDirectoryLock(`${this.#path(eventId)}.lock`, fn);
  }
}

function parseRun(text: string, where: string): RunRecord {
  let run: RunRecord;
  try {
    run = JSON.parse(text) as RunRecord;
  } catch (err) {
    throw new ModelError('trainer-journal', `run record ${where} is not JSON`, err);
  }
  if (typeof run !== 'object' || run === null || typeof run.event_id !== 'string' || typeof run.state !== 'string' || !Array.isArray(run.announced)) {
    throw new ModelError('trainer-journal', `run record ${where} is malformed`);
  }
  return run;
}
