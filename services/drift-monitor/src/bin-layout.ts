/**
 * How the monitored variables (features, or the score) map onto histogram slots. Every variable owns a
 * run of slots in ONE flat array, so a window is a single Int32Array of counts and the hot path is an
 * index computation plus an increment:
 *
 *   numeric:      [bin 0 .. bin k-1][missing]              distribution = the k bins (present values)
 *   categorical:  [cat 0 .. cat c-1][missing][other]       distribution = all c + 2 slots
 *
 * Numeric bins follow the manifest's convention through the shared `binIndex` (the one training used to
 * build the reference), so a live value lands in exactly the bin a training value would. Categorical
 * values are compared as numbers against the reference's keys, which is `categoryKey`'s String(v)
 * convention without building a string per event. The reference share of a numeric variable is over
 * present values and its missing share is kept apart; a categorical profile counts missing values as a
 * category, so there the missing slot is part of the distribution.
 */
import { binIndex, MISSING_CATEGORY, type FeatureProfile, type NumericProfile } from '@riskstream/shared/model';

export const NUMERIC = 0;
export const CATEGORICAL = 1;

export interface BinLayout {
  readonly names: readonly string[];
  /** NUMERIC or CATEGORICAL per variable. */
  readonly kinds: Uint8Array;
  /** Variable j owns slots [slotOffset[j], slotOffset[j + 1]). */
  readonly slotOffset: Int32Array;
  /** Slots of variable j that form its distribution start at slotOffset[j]; this many of them. */
  readonly distributionSlots: Int32Array;
  /** Slot of variable j's missing values, relative to slotOffset[j]. */
  readonly missingSlot: Int32Array;
  readonly totalSlots: number;
  /** Reference share per slot (numeric missing slot: the reference missing rate). */
  readonly reference: Float64Array;
  /** Reference missing rate per variable. */
  readonly referenceMissing: Float64Array;
  /** Numeric edges per variable (empty for categoricals). */
  readonly edges: readonly Float64Array[];
  /** Category values per variable (empty for numerics). */
  readonly categories: readonly Float64Array[];
}

export function buildBinLayout(profiles: readonly { readonly name: string; readonly profile: FeatureProfile }[]): BinLayout {
  const F = profiles.length;
  const kinds = new Uint8Array(F);
  const slotOffset = new Int32Array(F + 1);
  const distributionSlots = new Int32Array(F);
  const missingSlot = new Int32Array(F);
  const referenceMissing = new Float64Array(F);
  const edges: Float64Array[] = [];
  const categories: Float64Array[] = [];
  const refParts: number[][] = [];
  profiles.forEach(({ profile }, j) => {
    if (profile.kind === 'numeric') {
      const k = profile.binEdges.length - 1;
      kinds[j] = NUMERIC;
      distributionSlots[j] = k;
      missingSlot[j] = k;
      referenceMissing[j] = profile.missingRate;
      edges.push(Float64Array.from(profile.binEdges));
      categories.push(new Float64Array(0));
      refParts.push([...profile.proportions, profile.missingRate]);
    } else {
      const values: number[] = [];
      const shares: number[] = [];
      for (const [key, share] of Object.entries(profile.frequencies)) {
        if (key === MISSING_CATEGORY) continue;
        const v = Number(key);
        // A key that is not a number's decimal text can never match a (numeric) feature value.
        if (key.trim() === '' || !Number.isFinite(v)) continue;
        values.push(v);
        shares.push(share);
      }
      const missing = profile.frequencies[MISSING_CATEGORY] ?? 0;
      kinds[j] = CATEGORICAL;
      distributionSlots[j] = values.length + 2;
      missingSlot[j] = values.length;
      referenceMissing[j] = missing;
      edges.push(new Float64Array(0));
      categories.push(Float64Array.from(values));
      refParts.push([...shares, missing, 0]);
    }
    slotOffset[j + 1] = slotOffset[j]! + refParts[j]!.length;
  });
  const reference = Float64Array.from(refParts.flat());
  return {
    names: profiles.map((p) => p.name),
    kinds,
    slotOffset,
    distributionSlots,
    missingSlot,
    totalSlots: slotOffset[F]!,
    reference,
    referenceMissing,
    edges,
    categories,
  };
}

/** A one-variable layout for the model score. */
export function scoreLayout(profile: NumericProfile): BinLayout {
  return buildBinLayout([{ name: 'score', profile }]);
}

/** Slot of `value` for variable j, relative to the variable's first slot. */
export function slotOf(layout: BinLayout, j: number, value: number): number {
  if (layout.kinds[j] === NUMERIC) {
    const b = binIndex(layout.edges[j]!, value);
    return b < 0 ? layout.missingSlot[j]! : b;
  }
  if (Number.isNaN(value)) return layout.missingSlot[j]!;
  const cats = layout.categories[j]!;
  for (let c = 0; c < cats.length; c++) if (cats[c] === value) return c;
  return cats.length + 1;
}
