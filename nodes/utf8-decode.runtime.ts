/**
 * UTF-8 decoding of record bytes for the nodes that turn bytes into text (`source.kafka` with `format: json` or
 * `string`, `transform.parse`): invalid bytes are refused by default, so a record is never silently rewritten with
 * U+FFFD replacement characters; `invalidUtf8: replace` keeps the lossy decoding for those who want it.
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
