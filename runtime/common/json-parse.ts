/**
 * JSON parsing of record values with a nesting limit. `JSON.parse` reads values nested far deeper than anything can
 * write them again: `JSON.stringify` (every sink, the live view's samples) runs out of stack on a value nested some
 * thousands deep (about 5,000 to 10,000 levels on Node.js 20, depending on the stack size), so such a record would
 * decode and then fail in every sink. Decoding refuses it instead, so it goes to the source's error port with E_DECODE.
 */

/** Deepest nesting of objects and arrays a decoded value may have (levels). */
export const MAX_JSON_DEPTH = 1_000;

/**
 * The offset of the bracket that opens level `limit + 1` of `text`, or -1 when the nesting stays within `limit`.
 * Brackets inside strings are skipped (escapes honoured). Texts shorter than `limit + 1` characters cannot nest that
 * deep and are not scanned, so the common small record costs one length comparison.
 */
export function depthExceededAt(text: string, limit = MAX_JSON_DEPTH): number {
  if (text.length <= limit) return -1;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limit) return i;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return -1;
}

/**
 * `JSON.parse` with the nesting limit of {@link MAX_JSON_DEPTH}.
 * @param text JSON text
 * @returns the parsed value
 * @throws SyntaxError from `JSON.parse` for text that is not JSON; SyntaxError `nested deeper than 1000 levels (at
 *   offset N)` for a value nested too deep to be written again
 */
export function parseJson(text: string): unknown {
  const at = depthExceededAt(text);
  if (at >= 0) throw new SyntaxError(`nested deeper than ${MAX_JSON_DEPTH} levels (at offset ${at}): no sink could write it`);
  return JSON.parse(text) as unknown;
}
