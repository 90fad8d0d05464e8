import type { CommitCadence } from './runner-types.ts';

/** The commit cadence's defaults, chosen by `npm run bench -- latency` (README: commit cadence). */
export const DEFAULT_CADENCE: CommitCadence = Object.freeze({ intervalMs: 10, maxRecords: 2000 });

/** Below the broker's default max.message.bytes (1 MiB), with room for the record batch overhead. */
export const DEFAULT_MAX_RECORD_BYTES = 1_000_000;
