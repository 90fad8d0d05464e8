import { isLuhnValid } from '@riskstream/training';

/**
 * A PAN scanner for test outputs: every Luhn-valid number of 13 to 19 digits in a text or a byte buffer,
 * the way a PCI data-discovery scan looks for clear card numbers, whatever the card's issuer.
 *
 * A number is a maximal run of digits (a card glued between other digits is a longer number, not a card),
 * or the printed form with groups of four separated by one space or dash ("4000 0012 3456 7899").
 * Bytes are read as latin1, so ASCII digits inside binary encodings (Avro strings, Parquet pages, Redis
 * values) are found where they sit.
 *
 * Two kinds of digit runs are not card numbers and would drown a scan of a whole pipeline, so they are
 * skipped, each by a narrow rule:
 *  - a run inside a hex string of 32+ characters that has a letter: an HMAC card token or a hash (a
 *    64-character token holds a 13+ digit Luhn-valid run about once in 200);
 *  - a 13-digit run that is an epoch-millisecond timestamp between 2010 and 2040 (event_time in decoded
 *    records and logs). 13-digit cards of the major brands start with 4 (Visa), outside that range;
 *  - the fractional digits of a decimal number ("0.290000915527344", a float feature as JSON prints it).
 */

export interface CardNumberHit {
  /** The digits, separators removed. */
  readonly digits: string;
  /** Where the match starts in the text (or byte offset). */
  readonly index: number;
}

const DIGIT_RUN = /(?<!\d)\d{13,19}(?!\d)/g;
const DECIMAL_POINT = /\d\.$/;
const GROUPED = /(?<!\d[ -]?)\d{4}([ -])\d{4}(?:\1\d{4}){1,2}(?:\1\d{1,3})?(?![\d])/g;
const HEX_RUN = /[0-9a-fA-F]{32,}/g;
const EPOCH_MS_2010 = 1_262_304_000_000;
const EPOCH_MS_2040 = 2_208_988_800_000;

export function findCardNumbers(input: string | Uint8Array): CardNumberHit[] {
  const text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
  const tokens = hexTokenSpans(text);
  const hits: CardNumberHit[] = [];
  for (const m of text.matchAll(DIGIT_RUN)) {
    const digits = m[0];
    if (!isLuhnValid(digits) || isEpochMillis(digits) || isFraction(text, m.index) || insideSpan(tokens, m.index, digits.length)) continue;
    hits.push({ digits, index: m.index });
  }
  for (const m of text.matchAll(GROUPED)) {
    const digits = m[0].replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && isLuhnValid(digits)) hits.push({ digits, index: m.index });
  }
  return hits;
}

/** Hits in a decoded value (a record, a row): its JSON, with bigints as digits and buffers as latin1. */
export function findCardNumbersInValue(value: unknown): CardNumberHit[] {
  return findCardNumbers(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : isBufferJson(v) ? Buffer.from(v.data).toString('latin1') : v)) ?? '');
}

/** Collects hits from many sources under a label each, for one assertion with the evidence. */
export class CardNumberScan {
  readonly findings: Array<{ readonly source: string; readonly hit: CardNumberHit }> = [];
  /** Bytes and characters examined, to report how much the scan covered. */
  scannedBytes = 0;
  scannedItems = 0;

  scan(source: string, input: string | Uint8Array): void {
    this.scannedBytes += input.length;
    this.scannedItems++;
    for (const hit of findCardNumbers(input)) this.findings.push({ source, hit });
  }

  scanValue(source: string, value: unknown): void {
    this.scannedItems++;
    for (const hit of findCardNumbersInValue(value)) this.findings.push({ source, hit });
  }

  /** The first findings, for an assertion message. */
  summary(max = 10): string {
    return this.findings
      .slice(0, max)
      .map((f) => `${f.source}: ${f.hit.digits} at ${f.hit.index}`)
      .join('\n');
  }
}

function hexTokenSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const m of text.matchAll(HEX_RUN)) if (/[a-fA-F]/.test(m[0])) spans.push([m.index, m.index + m[0].length]);
  return spans;
}

function insideSpan(spans: ReadonlyArray<[number, number]>, index: number, length: number): boolean {
  return spans.some(([start, end]) => index >= start && index + length <= end);
}

function isFraction(text: string, index: number): boolean {
  return index >= 2 && DECIMAL_POINT.test(text.slice(index - 2, index));
}

function isEpochMillis(digits: string): boolean {
  if (digits.length !== 13) return false;
  const n = Number(digits);
  return n >= EPOCH_MS_2010 && n < EPOCH_MS_2040;
}

function isBufferJson(v: unknown): v is { type: 'Buffer'; data: number[] } {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data);
}
