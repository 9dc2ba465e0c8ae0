/** `sink.file`: appends records as JSON Lines to a file, with size-based rotation. Browser-safe. */
import { z } from 'zod';
import { withFieldMeta } from '../../runtime/common/field-meta';
import { DEFAULT_INPUT, defineNodeSpec } from '../../runtime/common/node-spec';

/** Config of `sink.file`. */
export const fileSinkConfigSchema = z.strictObject({
  path: z
    .string()
    .min(1)
    .describe(
      'File to append to, e.g. `/var/log/orders.jsonl` or `${OUT_DIR}/orders.jsonl`; relative paths are relative to ' +
        "the runtime's working directory. Missing parent directories are created.",
    ),
  envelope: z
    .boolean()
    .default(false)
    .describe('false: each line is the record value as JSON; true: each line is `{ key, value, headers, timestamp }`.'),
  maxBytes: z
    .number()
    .int()
    .min(1024)
    .optional()
    .describe(
      'Rotate before a write would make the file larger than this (bytes, >= 1024): the file becomes `<path>.1`, older ' +
        'files shift up (`.1` -> `.2` ...) and the one past `maxFiles` is deleted. A single line longer than this goes ' +
        'alone into a fresh file. Absent: the file is never rotated.',
    ),
  maxFiles: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(5)
    .describe('With `maxBytes`: how many rotated files (`<path>.1` ... `<path>.<maxFiles>`) are kept besides the current one.')
    .apply(withFieldMeta, { advanced: true }),
  fsync: z
    .boolean()
    .default(false)
    .describe(
      'true: a batch is acknowledged only after fsync, so it survives a power loss (slower); false: after the data was ' +
        'handed to the operating system (survives a crash of the process, not of the machine).',
    ),
});

/** Parsed config of `sink.file`. */
export type FileSinkConfig = z.output<typeof fileSinkConfigSchema>;

/** Spec of `sink.file`. */
export const fileSinkSpec = defineNodeSpec({
  type: 'sink.file',
  kind: 'sink',
  version: 1,
  title: 'File',
  description:
    'Appends each record as one JSON line to a file, one write per batch, with optional size-based rotation and fsync. ' +
    'A full disk or an I/O error is retried; a record that cannot be encoded as JSON goes to `error`.',
  inputs: [{ name: DEFAULT_INPUT, description: 'Records to append.' }],
  outputs: [],
  config: fileSinkConfigSchema,
  example: { path: '${OUT_DIR:-./out}/orders.jsonl', maxBytes: 104_857_600, maxFiles: 5, fsync: false },
});
