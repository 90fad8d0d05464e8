/**
 * A stable 32-bit hash of a string (FNV-1a over the UTF-16 code units, with a final avalanche so that
 * strings differing in their last character spread over the whole range). Not cryptographic: it picks
 * card groups and the sample of transactions held for their labels, the same on every instance.
 */
export function stableHash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The string's stable position in [0, 1). */
export function stableFraction(s: string): number {
  return stableHash32(s) / 4_294_967_296;
}
