/** `transform.parse`: parses each record value as JSON, CSV or text. Browser-safe. */
import { z } from 'zod';
import { withFieldMeta } from '../../runtime/common/field-meta';
import { DEFAULT_INPUT, DEFAULT_OUTPUT, defineNodeSpec } from '../../runtime/common/node-spec';

/** Formats `transform.parse` reads. */
export const PARSE_FORMATS = ['json', 'csv', 'text'] as const;

/** A one-character CSV delimiter or quote: not a line break. */
const csvChar = (what: string, fallback: string) =>
  z
    .string()
    .length(1, `the ${what} is exactly one character`)
    .refine((c) => c !== '\n' && c !== '\r', `the ${what} cannot be a line break`)
    .default(fallback);

/** The condition of the fields that only CSV reads. */
const CSV_ONLY = { field: 'format', values: ['csv'] };

/** Config of `transform.parse`, with the cross-field checks (csv-only fields, delimiter differs from quote). */
export const parseConfigSchema = z
  .strictObject({
    format: z
      .enum(PARSE_FORMATS)
      .describe(
        'How the value is read. `json`: JSON text -> the parsed value (values that are already objects, arrays, ' +
          'numbers, booleans or null pass unchanged). `csv`: one or more CSV lines (RFC 4180) -> one record per line. ' +
          '`text`: the value as a string (bytes decoded as UTF-8; numbers and booleans with String, objects as JSON).',
      )
      .apply(withFieldMeta, {
        options: {
          json: 'JSON text -> the parsed value (values that are already objects, arrays, numbers, booleans or null pass unchanged)',
          csv: 'one or more CSV lines (RFC 4180) -> one record per line',
          text: 'the value as a string (bytes decoded as UTF-8; numbers and booleans with String, objects as JSON)',
        },
      }),
    encoding: z
      .enum(['utf8', 'base64'])
      .default('utf8')
      .describe(
        'What a string value holds: `utf8` = the text itself; `base64` = base64 of UTF-8 bytes (what `source.kafka` ' +
          'gives with `format: bytes`), decoded first. Byte values (Buffer, Uint8Array) are always decoded as UTF-8 (see invalidUtf8).',
      )
      .apply(withFieldMeta, {
        options: {
          utf8: 'the text itself',
          base64: 'base64 of UTF-8 bytes (what `source.kafka` gives with `format: bytes`), decoded first',
        },
      }),
    invalidUtf8: z
      .enum(['error', 'replace'])
      .default('error')
      .describe(
        'What bytes that are not valid UTF-8 (a byte value, or base64 text of bytes) do. error: the record goes to the ' +
          'error port with code E_DECODE and the offset of the first bad byte; replace: bad bytes become U+FFFD (lossy).',
      )
      .apply(withFieldMeta, {
        options: {
          error: 'the record goes to the error port with code E_DECODE (never rewritten)',
          replace: 'invalid bytes are replaced with U+FFFD, as a lossy decoder does',
        },
        advanced: true,
      }),
    columns: z
      .array(z.string().min(1, 'a column name is not empty'))
      .min(1)
      .optional()
      .describe(
        '`csv`: column names, in order; each line becomes an object with these keys and must have exactly this many ' +
          'fields. Absent: each line becomes an array of its fields.',
      )
      .apply(withFieldMeta, { appliesWhen: CSV_ONLY }),
    skipHeader: z
      .boolean()
      .default(false)
      .describe(
        '`csv` with `columns`: drop lines whose fields equal `columns` exactly (a header line repeated in the stream, ' +
          'e.g. at the start of each uploaded file).',
      ),
    delimiter: csvChar('delimiter', ',').describe('`csv`: field delimiter, one character (`;`, `\\t`, `|` ...).')
      .apply(withFieldMeta, { appliesWhen: CSV_ONLY }),
    quote: csvChar('quote', '"').describe(
      '`csv`: quote character, one character. A quoted field may hold the delimiter and line breaks; a quote inside ' +
        'it is written twice.',
    ).apply(withFieldMeta, { appliesWhen: CSV_ONLY }),
    inferTypes: z
      .boolean()
      .default(false)
      .describe(
        '`csv`: convert unquoted fields: JSON numbers (`12`, `-1.5e3`) to numbers, `true`/`false` to booleans, empty ' +
          'fields to null. Quoted fields always stay strings. Off: every field is a string.',
      )
      .apply(withFieldMeta, { appliesWhen: CSV_ONLY }),
  })
  .superRefine((config, ctx) => {
    if (config.format !== 'csv') {
      if (config.columns !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['columns'], message: `columns applies to format csv only, not ${config.format}; remove it` });
      }
      if (config.skipHeader) {
        ctx.addIssue({ code: 'custom', path: ['skipHeader'], message: `skipHeader applies to format csv only, not ${config.format}; remove it` });
      }
      return;
    }
    if (config.delimiter === config.quote) {
      ctx.addIssue({ code: 'custom', path: ['quote'], message: 'the quote character must differ from the delimiter' });
    }
    if (config.skipHeader && config.columns === undefined) {
      ctx.addIssue({ code: 'custom', path: ['skipHeader'], message: 'skipHeader needs columns (the header line to drop)' });
    }
    const seen = new Set<string>();
    (config.columns ?? []).forEach((column, index) => {
      if (seen.has(column)) {
        ctx.addIssue({ code: 'custom', path: ['columns', index], message: `column "${column}" appears twice; column names must be unique` });
      }
      seen.add(column);
    });
  });

/** Parsed config of `transform.parse`. */
export type ParseTransformConfig = z.output<typeof parseConfigSchema>;

/** Spec of `transform.parse`. */
export const parseTransformSpec = defineNodeSpec({
  type: 'transform.parse',
  kind: 'transform',
  version: 1,
  title: 'Parse',
  description:
    'Parses each record value as JSON, CSV (one record per line) or text; key, headers, timestamp and metadata are ' +
    'kept. A value that does not parse goes to `error` with code E_DECODE.',
  inputs: [{ name: DEFAULT_INPUT, description: 'Records whose value is text (or bytes) to parse.' }],
  outputs: [{ name: DEFAULT_OUTPUT, description: 'Records with the parsed value; one per line for CSV.' }],
  config: parseConfigSchema,
  example: { format: 'csv', columns: ['id', 'name', 'amount'], delimiter: ';', inferTypes: true },
});
