/**
 * How big a fault scenario runs. `FAULT_PROFILE=full` (`npm run test:faults`): the 100,000 events
 * per scenario and the faults at their stated durations. Unset or `default` (inside `npm test`): a few
 * thousand events and shortened faults, so every scenario still runs its faults mid-stream and checks
 * the same things, within the default run's time budget. Any other value is refused: a typo must not
 * silently run the small profile.
 */
export type FaultProfileName = 'default' | 'full';

export interface FaultProfile {
  readonly name: FaultProfileName;
  /** Simulated transactions streamed per scenario. */
  readonly events: number;
  /** Transactions per second offered to the pipeline (Kafka and the decision API together). */
  readonly rate: number;
  /** Multiplies the stated fault durations (a 30 s hang lasts 30 s x scale). */
  readonly durationScale: number;
}

export class FaultProfileError extends Error {
  readonly code = 'FAULT_PROFILE_INVALID';
  readonly value: string;
  constructor(value: string) {
    super(`FAULT_PROFILE must be unset, "default" or "full", not "${value}"`);
    this.value = value;
  }
}

const PROFILES: Readonly<Record<FaultProfileName, FaultProfile>> = Object.freeze({
  default: Object.freeze({ name: 'default', events: 4000, rate: 400, durationScale: 0.25 }),
  full: Object.freeze({ name: 'full', events: 100_000, rate: 1500, durationScale: 1 }),
});

export function faultProfile(env: NodeJS.ProcessEnv = process.env): FaultProfile {
  const value = env['FAULT_PROFILE'];
  if (value === undefined || value === '' || value === 'default') return PROFILES.default;
  if (value === 'full') return PROFILES.full;
  throw new FaultProfileError(value);
}

/** One value per profile: `byProfile(3, 1)` is 3 in the full profile and 1 in the default one. */
export function byProfile<T>(full: T, small: T, profile: FaultProfile = faultProfile()): T {
  return profile.name === 'full' ? full : small;
}

/**
 * A scenario that runs only in the full profile (`npm run test:faults`): the `skip` option of its tests
 * in the default one, with the reason, or false. For scenarios too slow for `npm test`'s budget or
 * already covered there by another test.
 */
export function fullProfileOnly(reason: string, profile: FaultProfile = faultProfile()): string | false {
  return profile.name === 'full' ? false : `${reason}: FAULT_PROFILE=full only (npm run test:faults)`;
}
