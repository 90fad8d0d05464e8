/**
 * Which features the dataset-level verdict watches. DRIFT_FEATURES=auto (the default) takes every
 * feature of the champion's reference profile EXCEPT those whose distribution over a window depends on
 * WHEN the window is, by construction, rather than on the traffic. Numbers from
 * bench/drift/stationary-bench.ts (stationary simulated traffic, 5,000-event windows, reference = one
 * training week):
 *
 * - the calendar flags (TX_DURING_WEEKEND, TX_DURING_NIGHT): a 5,000-event window covers half a day, so
 *   their share is ~0 or ~1 depending on the hour and the weekday (median PSI 2.4 and 0.15; the test
 *   rejects in 99% / 97% of the windows).
 * - the customer COUNT windows (CUSTOMER_ID_NB_TX_{1,7,30}DAY_WINDOW): whole calendar days plus "today
 *   so far", so the counts climb through the day (1-day: median PSI 0.07, every window rejected; 7-day:
 *   PSI up to 0.023 and 44% of windows rejected; 30-day: 0.017 and 10%).
 * - the customer 1-day AVERAGE (CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW): also "today so far", an average
 *   over fewer events early in the day and so wider at night: PSI 0.023 in a window right after
 *   midnight, above the default floor, while its largest in windows ending later is 0.013.
 *
 * What stays, with its largest PSI over 1,000,000 stationary events (simulator seeds 7 and 11):
 * TX_AMOUNT (0.010), the customer 7/30-day average amounts (0.012; history dominates "today"), the
 * terminal counts and fraud rates (<= 0.013; their windows are whole past days read 7 days late, so the
 * hour does not matter). The default PSI floor 0.02 sits 1.5x above the largest of them, and a +20%
 * amount shift takes TX_AMOUNT past it ~3,000-3,400 events after its onset. Features outside the shared
 * feature set (a model trained on a CSV) are all monitored; DRIFT_FEATURES=all or an explicit list
 * (a,b,c) overrides the rule.
 */
import { FEATURE_DEFINITIONS, type FeatureDefinition } from '@riskstream/shared/features';
import type { ReferenceProfile } from '@riskstream/shared/model';

export type FeatureSelection = 'auto' | 'all' | readonly string[];

const DEFINITIONS: ReadonlyMap<string, FeatureDefinition> = new Map(FEATURE_DEFINITIONS.map((d) => [d.name, d]));

/** Why a feature of the shared set is left out under `auto`; undefined when it is monitored. */
export function calendarDependence(name: string): string | undefined {
  const d = DEFINITIONS.get(name);
  if (!d) return undefined;
  if (d.aggregate === 'weekend' || d.aggregate === 'night') return 'calendar flag: its share depends on the hour and weekday of the window';
  if (d.entity === 'customer' && d.aggregate === 'count') return 'count over calendar days plus "today so far": grows through the day';
  if (d.entity === 'customer' && d.windowDays === 1) return '"today so far": averages over fewer events early in the day, so it is wider at night';
  return undefined;
}

/** Monitored names (profile order for auto/all, given order otherwise) and names the profile lacks. */
export function selectFeatures(profile: ReferenceProfile, selection: FeatureSelection): { monitored: string[]; unknown: string[] } {
  const available = Object.keys(profile.features);
  if (selection === 'all') return { monitored: available, unknown: [] };
  if (selection === 'auto') return { monitored: available.filter((n) => calendarDependence(n) === undefined), unknown: [] };
  const set = new Set(available);
  return { monitored: selection.filter((n) => set.has(n)), unknown: selection.filter((n) => !set.has(n)) };
}

/** DRIFT_FEATURES: auto, all, or a comma-separated list. */
export function parseFeatureSelection(raw: string): FeatureSelection {
  const v = raw.trim();
  if (v === 'auto' || v === 'all') return v;
  return Object.freeze(v.split(',').map((s) => s.trim()).filter(Boolean));
}
