/**
 * UTF-8 decoding of record bytes for the nodes that turn bytes into text (`source.kafka` with `format: json` or
 * `string`, `transform.parse`): invalid bytes are refused by default, so a record is never silently rewritten with
 * U+FFFD replacement characters; `invalidUtf8: replace` keeps the lossy decoding for those who want it. Flow files
 * are read with the same strict decoder (`runtime/flow-file.ts`). Browser-safe: no Node imports.
 */

/** What a node does with bytes that are not valid UTF-8: `error` refuses the record, `replace` writes U+FFFD. */
export type InvalidUtf8 = 'error' | 'replace';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lossy = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** The bytes are not valid UTF-8 (with `invalidUtf8: error`); its message gives the offset of the first bad byte. */
export class InvalidUtf8Error extends Error {
  /**
   * @param offset 0-based byte offset of the first byte that is not part of a valid UTF-8 sequence
   */
  constructor(readonly offset: number) {
    super(`value is not valid UTF-8 (first invalid byte at offset ${offset}); set invalidUtf8: replace to decode it lossily`);
    this.name = 'InvalidUtf8Error';
  }
}

/**
 * The byte offset of the first invalid UTF-8 sequence in `bytes` (overlong forms, surrogates, code points past
 * U+10FFFF and truncated sequences included), or -1 when all of it is valid.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [length, min] = [2, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [length, min] = [3, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [length, min] = [4, 0x10000];
    else return i;
    if (i + length > bytes.length) return i;
    let code = b & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += length;
  }
  return -1;
}

/**
 * Decodes UTF-8 bytes into text (a leading byte-order mark is kept, as `Buffer#toString` keeps it).
 * @param bytes the value's bytes (a Buffer is a Uint8Array)
 * @param invalidUtf8 `error` (default) to refuse invalid bytes, `replace` to write U+FFFD for them
 * @throws InvalidUtf8Error when the bytes are not valid UTF-8 and `invalidUtf8` is `error`
 */
export function decodeUtf8(bytes: Uint8Array, invalidUtf8: InvalidUtf8 = 'error'): string {
  if (invalidUtf8 === 'replace') return lossy.decode(bytes);
  try {
    return strict.decode(bytes);
  } catch {
    throw new InvalidUtf8Error(Math.max(0, firstInvalidUtf8(bytes)));
  }
}

/** The text of a file, or where its first invalid UTF-8 byte is (1-based line and column, in characters). */
export type FileText = { ok: true; text: string } | { ok: false; line: number; column: number; offset: number };

/**
 * Decodes a file's bytes strictly (a flow file must be valid UTF-8); on invalid bytes, the line and column of the
 * first one, counted as the YAML parser counts (lines end at `\n`, the column in UTF-16 units of the decoded text).
 * @param bytes the file's bytes
 * @returns the text, or the place of the first invalid byte
 */
export function decodeFileText(bytes: Uint8Array): FileText {
  try {
    return { ok: true, text: strict.decode(bytes) };
  } catch {
    const offset = Math.max(0, firstInvalidUtf8(bytes));
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    return { ok: false, line, column: strict.decode(bytes.subarray(lineStart, offset)).length + 1, offset };
  }
}
