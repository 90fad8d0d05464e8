/**
 * How deeply a JSON text nests, found by one scan of its bytes, before anything parses it.
 *
 * Why: V8's JSON.parse copes with deep nesting, but every recursive walk over the result (a reviver,
 * JSON.stringify, a validator) pays per level, and a 1 MB record of "[[[[..." is 500,000 levels: ingest's
 * masked DLQ copy of one took longer than the 100 ms a bad record may cost. No record of ours nests more
 * than a few levels, so anything past MAX_JSON_DEPTH is refused as undecodable instead.
 *
 * The scan is over bytes: in UTF-8 the bytes of '"', '\\', '[', '{', ']' and '}' never occur inside a
 * multi-byte character, so the count is exact for any UTF-8 text and harmless for anything else.
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/** True when the text opens more than `max` arrays/objects inside each other (strings are skipped). */
export function exceedsJsonDepth(bytes: Uint8Array, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}
