/**
 * The two windows the monitor compares with the reference, kept as bin counts over a BinLayout:
 *
 * - a SLIDING COUNT window of the last N events: a ring of each event's slot per variable (Uint16, fixed
 *   size N * variables) so the oldest event's bins can be decremented when it leaves;
 * - a TUMBLING TIME window in event time: [w L, (w+1) L). A window stays open for late events until the
 *   watermark (largest event time seen) passes its end plus the allowed lateness, because micro-batches
 *   of different partitions interleave and event time runs backwards a little between them. Only the
 *   current window and its predecessor can be open (lateness < L), so two count buffers suffice; events
 *   older than both are counted as late and dropped. A closed window's counts are copied out and the
 *   `onClose` hook evaluates it once.
 *
 * Per event: one slot computation and a few increments per variable; nothing is allocated.
 */
import { type BinLayout, slotOf } from './bin-layout.ts';

export interface ClosedWindow {
  /** Closed windows so far; a new close increments it. */
  readonly sequence: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly events: number;
  readonly counts: Int32Array;
}

export interface HistogramWindowsOptions {
  readonly countWindow: number;
  readonly timeWindowMs: number;
  readonly allowedLatenessMs: number;
  readonly onClose?: (closed: ClosedWindow) => void;
}

export class HistogramWindows implements ClosedWindow {
  readonly layout: BinLayout;
  readonly capacity: number;
  readonly timeWindowMs: number;
  readonly allowedLatenessMs: number;
  /** Counts of the sliding count window. */
  readonly countCounts: Int32Array;
  readonly #ring: Uint16Array;
  readonly #ringTime: Float64Array;
  readonly #vars: number;
  #head = 0;
  #size = 0;

  #cur: Int32Array;
  #prev: Int32Array;
  #curIndex = Number.NaN;
  #curEvents = 0;
  #prevEvents = 0;
  #prevOpen = false;
  #watermark = Number.NEGATIVE_INFINITY;
  #onClose: ((closed: ClosedWindow) => void) | undefined;
  lateEvents = 0;

  // ClosedWindow fields: the last closed tumbling window.
  sequence = 0;
  startMs = Number.NaN;
  endMs = Number.NaN;
  events = 0;
  readonly counts: Int32Array;

  constructor(layout: BinLayout, options: HistogramWindowsOptions) {
    if (!(options.countWindow >= 1)) throw new RangeError(`countWindow must be >= 1, got ${options.countWindow}`);
    if (!(options.allowedLatenessMs >= 0 && options.allowedLatenessMs < options.timeWindowMs)) {
      throw new RangeError('allowedLatenessMs must be in [0, timeWindowMs)');
    }
    for (let j = 0; j < layout.names.length; j++) {
      if (layout.slotOffset[j + 1]! - layout.slotOffset[j]! > 0xffff) throw new RangeError(`${layout.names[j]} has more than 65535 bins`);
    }
    this.layout = layout;
    this.capacity = options.countWindow;
    this.timeWindowMs = options.timeWindowMs;
    this.allowedLatenessMs = options.allowedLatenessMs;
    this.#onClose = options.onClose;
    this.#vars = layout.names.length;
    this.countCounts = new Int32Array(layout.totalSlots);
    this.#ring = new Uint16Array(this.capacity * this.#vars);
    this.#ringTime = new Float64Array(this.capacity);
    this.#cur = new Int32Array(layout.totalSlots);
    this.#prev = new Int32Array(layout.totalSlots);
    this.counts = new Int32Array(layout.totalSlots);
  }

  /** Events in the sliding count window. */
  get size(): number {
    return this.#size;
  }

  /** Events in the open tumbling window (not yet evaluated). */
  get openEvents(): number {
    return this.#curEvents;
  }

  get watermark(): number {
    return this.#watermark;
  }

  /** Adds one event: `values[j]` is variable j's value (NaN = missing); `eventTimeMs` its event time. */
  add(values: ArrayLike<number>, eventTimeMs: number): void {
    const layout = this.layout;
    const off = layout.slotOffset;
    const vars = this.#vars;
    const ring = this.#ring;
    const counts = this.countCounts;
    const base = this.#head * vars;
    if (this.#size === this.capacity) {
      for (let j = 0; j < vars; j++) counts[off[j]! + ring[base + j]!]!--;
    } else {
      this.#size++;
    }
    const tumbling = this.#tumblingTarget(eventTimeMs);
    for (let j = 0; j < vars; j++) {
      const slot = off[j]! + slotOf(layout, j, values[j]!);
      ring[base + j] = slot - off[j]!;
      counts[slot]!++;
      if (tumbling !== null) tumbling[slot]!++;
    }
    this.#ringTime[this.#head] = eventTimeMs;
    this.#head = this.#head + 1 === this.capacity ? 0 : this.#head + 1;
    this.#closeExpired();
  }

  /** Smallest and largest event time in the count window (scans the ring: call per recompute, not per event). */
  countWindowTimeRange(): { start: number; end: number } {
    let start = Number.POSITIVE_INFINITY;
    let end = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < this.#size; i++) {
      const t = this.#ringTime[i]!;
      if (t < start) start = t;
      if (t > end) end = t;
    }
    return this.#size > 0 ? { start, end } : { start: Number.NaN, end: Number.NaN };
  }

  /** The counts buffer an event at `t` belongs to, rolling windows forward as needed; null when too late. */
  #tumblingTarget(t: number): Int32Array | null {
    if (!Number.isFinite(t)) return null;
    if (t > this.#watermark) this.#watermark = t;
    const w = Math.floor(t / this.timeWindowMs);
    if (Number.isNaN(this.#curIndex)) this.#curIndex = w;
    if (w === this.#curIndex) {
      this.#curEvents++;
      return this.#cur;
    }
    if (w > this.#curIndex) {
      if (this.#prevOpen) this.#close(this.#prev, this.#curIndex - 1, this.#prevEvents);
      if (w === this.#curIndex + 1) {
        const spare = this.#prev;
        this.#prev = this.#cur;
        this.#prevEvents = this.#curEvents;
        this.#prevOpen = true;
        this.#cur = spare;
      } else {
        // A gap: the watermark is far past the current window's end plus lateness.
        this.#close(this.#cur, this.#curIndex, this.#curEvents);
        this.#prevOpen = false;
      }
      this.#cur.fill(0);
      this.#curIndex = w;
      this.#curEvents = 1;
      return this.#cur;
    }
    if (w === this.#curIndex - 1 && this.#prevOpen) {
      this.#prevEvents++;
      return this.#prev;
    }
    this.lateEvents++;
    return null;
  }

  #closeExpired(): void {
    if (this.#prevOpen && this.#watermark >= this.#curIndex * this.timeWindowMs + this.allowedLatenessMs) {
      this.#close(this.#prev, this.#curIndex - 1, this.#prevEvents);
    }
  }

  #close(buffer: Int32Array, index: number, events: number): void {
    if (buffer === this.#prev) this.#prevOpen = false;
    this.counts.set(buffer);
    this.startMs = index * this.timeWindowMs;
    this.endMs = (index + 1) * this.timeWindowMs;
    this.events = events;
    this.sequence++;
    this.#onClose?.(this);
  }
}
