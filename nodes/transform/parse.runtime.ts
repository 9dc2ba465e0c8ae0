/** Runtime of `transform.parse` (Node-only), with a small RFC 4180 CSV parser. */
import { Buffer } from 'node:buffer';
import { defineTransform, failRecord, type FlowRecord, type PortBatches } from '../../runtime/engine/types';
import { parseTransformSpec, type ParseTransformConfig } from './parse.spec';
import { decodeUtf8 } from '../../runtime/common/utf8-decode';
import { parseJson } from '../../runtime/common/json-parse';

/** One CSV field: its text and whether it was quoted (quoted fields are never type-converted). */
export interface CsvField {
  text: string;
  quoted: boolean;
}

/** A CSV syntax error, with the 1-based line and column (in characters) where it was found. */
export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${message} at line ${line}, column ${column}`);
    this.name = 'CsvSyntaxError';
  }
}

/**
 * Parses CSV text (RFC 4180) into rows of fields.
 * - Lines end with CRLF, LF or CR; a line break after the last line is optional; empty lines are skipped.
 * - A field that starts with `quote` is quoted: it may hold the delimiter and line breaks, and a doubled quote stands
 *   for one quote. After the closing quote only the delimiter, a line break or the end may follow.
 * - A quote inside an unquoted field is an error (as RFC 4180 says), so is a quoted field that never closes.
 * @param text the CSV text
 * @param options one-character `delimiter` and `quote`, different from each other and from line breaks
 * @returns the rows, each an array of fields (at least one field per row)
 * @throws CsvSyntaxError with line and column on malformed input
 */
export function parseCsv(text: string, options: { delimiter: string; quote: string }): CsvField[][] {
  const { delimiter, quote } = options;
  const rows: CsvField[][] = [];
  let row: CsvField[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const n = text.length;
  /** Ends the row; a row that is one empty unquoted field is an empty line and is skipped. */
  const endRow = (): void => {
    if (!(row.length === 1 && !row[0]!.quoted && row[0]!.text === '')) rows.push(row);
    row = [];
  };
  /** Skips the line break at `i` (CRLF, LF or CR), counting the line. */
  const skipBreak = (): void => {
    i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
    line++;
    lineStart = i;
  };
  while (i < n) {
    // At the start of a field.
    if (text[i] === quote) {
      const openLine = line;
      const openColumn = i - lineStart + 1;
      i++;
      let value = '';
      let closed = false;
      while (i < n) {
        const c = text[i]!;
        if (c === quote) {
          if (text[i + 1] === quote) {
            value += quote;
            i += 2;
            continue;
          }
          i++;
          closed = true;
          break;
        }
        if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) {
          value += c;
          i++;
          line++;
          lineStart = i;
          continue;
        }
        value += c;
        i++;
      }
      if (!closed) throw new CsvSyntaxError('quoted field is not closed', openLine, openColumn);
      row.push({ text: value, quoted: true });
      if (i >= n) break;
      const after = text[i]!;
      if (after === delimiter) {
        i++;
        if (i >= n) row.push({ text: '', quoted: false });
        continue;
      }
      if (after === '\n' || after === '\r') {
        endRow();
        skipBreak();
        continue;
      }
      throw new CsvSyntaxError(`unexpected ${JSON.stringify(after)} after a closing quote (expected the delimiter or a line break)`, line, i - lineStart + 1);
    }
    // Unquoted field: up to the delimiter, a line break or the end.
    const start = i;
    while (i < n) {
      const c = text[i]!;
      if (c === delimiter || c === '\n' || c === '\r') break;
      if (c === quote) throw new CsvSyntaxError('quote inside an unquoted field (quote the whole field and double the quote)', line, i - lineStart + 1);
      i++;
    }
    row.push({ text: text.slice(start, i), quoted: false });
    if (i >= n) break;
    if (text[i] === delimiter) {
      i++;
      if (i >= n) row.push({ text: '', quoted: false });
      continue;
    }
    endRow();
    skipBreak();
  }
  if (row.length > 0) endRow();
  return rows;
}

/** JSON number grammar, for `inferTypes`. */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Converts an unquoted field for `inferTypes`: number, boolean or null (empty); anything else stays a string. */
export function inferCsvValue(field: CsvField): unknown {
  if (field.quoted) return field.text;
  if (field.text === '') return null;
  if (field.text === 'true') return true;
  if (field.text === 'false') return false;
  if (JSON_NUMBER.test(field.text)) {
    const number = Number(field.text);
    if (Number.isFinite(number)) return number;
  }
  return field.text;
}

/** A value that cannot be parsed; its record goes to `error` with code `E_DECODE`. */
class DecodeFailure extends Error {}

/** A short description of a value's type for messages. */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value;
}

/** UTF-8 text of bytes with the node's `invalidUtf8` choice; invalid bytes are a {@link DecodeFailure}. */
function utf8Text(bytes: Uint8Array, invalidUtf8: ParseTransformConfig['invalidUtf8']): string {
  try {
    return decodeUtf8(bytes, invalidUtf8);
  } catch (error) {
    throw new DecodeFailure((error as Error).message);
  }
}

/**
 * The text of a string or bytes value, honouring `encoding` for strings and `invalidUtf8` for bytes; undefined for
 * other values.
 * @throws DecodeFailure for text that is not base64 (`encoding: base64`) and for bytes that are not valid UTF-8
 */
function textOf(value: unknown, config: Pick<ParseTransformConfig, 'encoding' | 'invalidUtf8'>): string | undefined {
  if (value instanceof Uint8Array) return utf8Text(value, config.invalidUtf8);
  if (typeof value !== 'string') return undefined;
  if (config.encoding === 'utf8') return value;
  if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(value)) throw new DecodeFailure('value is not base64 text (encoding: base64)');
  return utf8Text(Buffer.from(value, 'base64'), config.invalidUtf8);
}

/** Builds the parser of one value: returns the parsed values (one for json/text, one per line for csv). */
function parser(config: ParseTransformConfig): (value: unknown) => unknown[] {
  switch (config.format) {
    case 'json':
      return (value) => {
        const text = textOf(value, config);
        if (text === undefined) {
          if (value === undefined) throw new DecodeFailure('value is undefined; nothing to parse');
          return [value];
        }
        try {
          return [parseJson(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)];
        } catch (error) {
          throw new DecodeFailure(`invalid JSON: ${(error as Error).message}`);
        }
      };
    case 'text':
      return (value) => {
        const text = textOf(value, config);
        if (text !== undefined) return [text];
        if (value === null || value === undefined) throw new DecodeFailure(`value is ${typeName(value)}; nothing to convert to text`);
        if (typeof value === 'object') {
          try {
            return [JSON.stringify(value)];
          } catch (error) {
            throw new DecodeFailure(`cannot convert the value to JSON text: ${(error as Error).message}`);
          }
        }
        return [String(value)];
      };
    case 'csv': {
      const { columns, delimiter, quote, inferTypes, skipHeader } = config;
      const convert = inferTypes ? inferCsvValue : (field: CsvField): unknown => field.text;
      return (value) => {
        const text = textOf(value, config);
        if (text === undefined) throw new DecodeFailure(`csv needs a string or bytes value, not ${typeName(value)}`);
        let rows: CsvField[][];
        try {
          rows = parseCsv(text, { delimiter, quote });
        } catch (error) {
          throw new DecodeFailure(`invalid CSV: ${(error as Error).message}`);
        }
        if (columns === undefined) return rows.map((fields) => fields.map(convert));
        const parsed: unknown[] = [];
        rows.forEach((fields, index) => {
          if (skipHeader && fields.length === columns.length && fields.every((f, i) => f.text === columns[i])) return;
          if (fields.length !== columns.length) {
            throw new DecodeFailure(`invalid CSV: line ${index + 1} has ${fields.length} field(s); columns lists ${columns.length}`);
          }
          const object: Record<string, unknown> = {};
          columns.forEach((column, i) => {
            object[column] = convert(fields[i]!);
          });
          parsed.push(object);
        });
        return parsed;
      };
    }
  }
}

/**
 * Runtime of `transform.parse`: `process(batch)` returns `{ out, error }`. `out` holds, per input record and in order,
 * copies of the record (key, headers, timestamp, meta kept) with `value` replaced by each parsed value: exactly one for
 * `json` and `text`; one per non-empty line for `csv` (none for an empty value or a value that is only a header line).
 * A record whose value does not parse goes to `error` whole (code `E_DECODE`, message naming the problem and, for CSV,
 * the line and column inside the value); no line of it reaches `out`.
 */
export const parseTransformRuntime = defineTransform(parseTransformSpec, (config, ctx) => {
  const parse = parser(config);
  return {
    process(batch: FlowRecord[]): PortBatches {
      const out: FlowRecord[] = [];
      const error: FlowRecord[] = [];
      for (const record of batch) {
        let values: unknown[];
        try {
          values = parse(record.value);
        } catch (e) {
          if (!(e instanceof DecodeFailure)) throw e;
          error.push(failRecord(record, ctx.nodeId, e.message, 'E_DECODE'));
          continue;
        }
        for (const value of values) out.push({ ...record, value });
      }
      return { out, error };
    },
  };
});
