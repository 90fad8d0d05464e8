/**
 * Masking of anything that could be a card number, for what ingest writes about records it refuses (DLQ
 * value, key and error text). It must hold for payloads we could not even parse, so it works on bytes
 * and errs on the side of masking too much: this is a copy for people to debug with, not data.
 *
 * Rule: every run of 12 or more ASCII digits keeps its first 6 and last 4 digits (BIN and last four, as
 * on a receipt) and every other digit becomes '*'. Masking a run keeps its length, so a masked Avro body
 * still decodes (its strings keep their length prefixes).
 *
 * What counts as one run, and why:
 *  - digits may be split by up to 3 separator characters (space, tab, '-', '.', '_', '/', NUL):
 *    "4111 1111 1111 1111" and "4111-1111-..." are how people type PANs, and NULs between digits are how
 *    UTF-16/32 text looks when read as bytes.
 *  - bytes are read one to one (latin1), so undecodable payloads and invalid UTF-8 are masked too; UTF-8
 *    never uses ASCII digit bytes inside a multi-byte character, so valid UTF-8 text stays valid.
 *  - in text that is not Avro, JSON escapes of digits (\u0034) are unescaped first, or
 *    "\u00341111..." would carry a PAN past the digit scan (parsed JSON has them unescaped anyway).
 * A long run is masked as a whole (first 6 and last 4 of the run kept), so joining a PAN to neighbouring
 * digits only ever hides more of it.
 */
import { exceedsJsonDepth, type DlqContent } from '@riskstream/shared';

const SEPARATOR = '[ \\t\\-._/\\x00]';
const DIGIT_RUN = new RegExp(`[0-9](?:${SEPARATOR}{0,3}[0-9])+`, 'g');
const ESCAPED_DIGIT = /\\u003([0-9])/gi;
export const MASK_MIN_DIGITS = 12;
const KEEP_FIRST = 6;
const KEEP_LAST = 4;
/** Confluent wire format starts with magic byte 0. */
const AVRO_MAGIC = 0;

function maskRun(run: string): string {
  let digits = 0;
  for (let i = 0; i < run.length; i++) if (isDigit(run.charCodeAt(i))) digits++;
  if (digits < MASK_MIN_DIGITS) return run;
  let seen = 0;
  let out = '';
  for (let i = 0; i < run.length; i++) {
    const c = run[i]!;
    if (!isDigit(run.charCodeAt(i))) {
      out += c;
      continue;
    }
    seen++;
    out += seen <= KEEP_FIRST || seen > digits - KEEP_LAST ? c : '*';
  }
  return out;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Masks digit runs in text (error messages, log fields, decoded strings). */
export function maskCardNumbers(text: string): string {
  return text.replace(ESCAPED_DIGIT, '$1').replace(DIGIT_RUN, maskRun);
}

/**
 * Masks a payload or key as bytes:
 *  - Confluent-framed Avro in place (no unescaping, which would change string lengths);
 *  - UTF-8 JSON structurally, so the copy stays JSON: strings are masked, and a number of 12 or more
 *    digits (a PAN sent as a number, but also epoch-millisecond times) becomes its masked text as a
 *    string. Masking it in place would leave "4000001****0000" where a number was, which no JSON
 *    reader accepts;
 *  - anything else as text, byte by byte.
 */
export function maskPayload(bytes: Buffer | null): Buffer {
  if (bytes === null || bytes.length === 0) return Buffer.alloc(0);
  if (bytes[0] === AVRO_MAGIC) return Buffer.from(bytes.toString('latin1').replace(DIGIT_RUN, maskRun), 'latin1');
  const json = maskJson(bytes);
  if (json !== undefined) return json;
  return Buffer.from(maskCardNumbers(bytes.toString('latin1')), 'latin1');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function maskJson(bytes: Buffer): Buffer | undefined {
  // Deep nesting makes the reviver and stringify walk slow; such a payload is masked as text instead.
  if (exceedsJsonDepth(bytes)) return undefined;
  let parsed: unknown;
  try {
    // The reviver's third argument (JSON.parse source text access) gives a number's digits as sent,
    // before they are rounded to a double.
    parsed = JSON.parse(strictUtf8.decode(bytes), (_key, value: unknown, context?: { source?: string }) => {
      if (typeof value === 'string') return maskCardNumbers(value);
      if (typeof value === 'number' && context?.source !== undefined && countDigits(context.source) >= MASK_MIN_DIGITS) {
        return maskCardNumbers(context.source);
      }
      return value;
    });
  } catch {
    return undefined;
  }
  // A bare number or string is not a record; masked as text it keeps its exact form.
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  // One more pass over the text for what the reviver cannot change: object keys.
  return Buffer.from(maskCardNumbers(JSON.stringify(parsed)), 'utf8');
}

function countDigits(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (isDigit(text.charCodeAt(i))) n++;
  return n;
}

/** Masks a record key; a null key stays null (the DLQ keeps "no key" as it was). */
export function maskKey(key: Buffer | null): Buffer | null {
  return key === null ? null : Buffer.from(maskCardNumbers(key.toString('latin1')), 'latin1');
}

/** A DLQ record's key, payload and error message with every card number masked (the runner's hook). */
export function maskDlqContent(content: DlqContent): DlqContent {
  return { key: maskKey(content.key), payload: maskPayload(content.payload), message: maskCardNumbers(content.message) };
}
