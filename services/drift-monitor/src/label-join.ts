/**
 * Joins a delayed label to the score its transaction got, in bounded memory: a set-associative table of
 * the most recent scores, keyed by a 64-bit fingerprint of the transaction id (two 32-bit FNV-1a style
 * hashes computed in one pass, no string kept). A full set replaces its oldest entry, so the table holds
 * roughly the last `capacity` scores and a label arriving later than that is counted as unmatched
 * instead of growing memory. A match removes the entry: a redelivered label does not count twice.
 * With 2^18 entries a false match needs two ids colliding on 64 bits within one 8-way set (~1e-14).
 */

const WAYS = 8;

export class LabelJoin {
  readonly capacity: number;
  readonly #sets: number;
  readonly #fpA: Uint32Array;
  readonly #fpB: Uint32Array;
  readonly #score: Float32Array;
  readonly #version: Int32Array;
  /** Insertion sequence; 0 = empty slot. Float64 so it never wraps. */
  readonly #seq: Float64Array;
  #next = 1;
  #a = 0;
  #b = 0;
  /** Filled by a successful `take`. */
  score = Number.NaN;
  version = 0;
  /**
   * The entry's slot in [0, capacity), set by `put` and by a successful `take`: a caller keeping more per
   * score (the value ledger) keeps it in its own arrays at this index.
   */
  slot = -1;

  constructor(capacity: number) {
    let sets = 1;
    while (sets * WAYS < capacity) sets *= 2;
    this.#sets = sets;
    this.capacity = sets * WAYS;
    this.#fpA = new Uint32Array(this.capacity);
    this.#fpB = new Uint32Array(this.capacity);
    this.#score = new Float32Array(this.capacity);
    this.#version = new Int32Array(this.capacity);
    this.#seq = new Float64Array(this.capacity);
  }

  put(transactionId: string, score: number, version: number): void {
    this.#hash(transactionId);
    const base = (this.#a & (this.#sets - 1)) * WAYS;
    let slot = base;
    for (let i = base; i < base + WAYS; i++) {
      if (this.#seq[i] !== 0 && this.#fpA[i] === this.#a && this.#fpB[i] === this.#b) {
        slot = i; // a redelivered score overwrites itself
        break;
      }
      if (this.#seq[i]! < this.#seq[slot]!) slot = i;
    }
    this.#fpA[slot] = this.#a;
    this.#fpB[slot] = this.#b;
    this.#score[slot] = score;
    this.#version[slot] = version;
    this.#seq[slot] = this.#next++;
    this.slot = slot;
  }

  /** true and `score` / `version` set when the id is held; the entry is removed. */
  take(transactionId: string): boolean {
    this.#hash(transactionId);
    const base = (this.#a & (this.#sets - 1)) * WAYS;
    for (let i = base; i < base + WAYS; i++) {
      if (this.#seq[i] !== 0 && this.#fpA[i] === this.#a && this.#fpB[i] === this.#b) {
        this.score = this.#score[i]!;
        this.version = this.#version[i]!;
        this.slot = i;
        this.#seq[i] = 0;
        return true;
      }
    }
    return false;
  }

  /** Two independent 32-bit hashes of the UTF-16 code units (FNV-1a and a multiply-xorshift variant). */
  #hash(s: string): void {
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    // Final avalanche so that ids differing in the last character spread over all sets.
    a ^= a >>> 16;
    a = Math.imul(a, 0x85ebca6b);
    a ^= a >>> 13;
    b = Math.imul(b ^ (b >>> 16), 0xc2b2ae35);
    b ^= b >>> 16;
    this.#a = a >>> 0;
    this.#b = b >>> 0;
  }
}
