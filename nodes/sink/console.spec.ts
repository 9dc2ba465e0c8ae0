/** `sink.console`: prints records to standard output. Browser-safe. */
import { z } from 'zod';
import { withFieldMeta } from '../../runtime/common/field-meta';
import { DEFAULT_INPUT, defineNodeSpec } from '../../runtime/common/node-spec';

/** Config of `sink.console`. */
export const consoleConfigSchema = z.strictObject({
  format: z
    .enum(['json', 'pretty'])
    .default('json')
    .describe(
      'Output format: `json` prints one compact JSON object per line (for piping into jq or a file); `pretty` prints ' +
        'each record as indented JSON.',
    )
    .apply(withFieldMeta, {
      options: {
        json: 'prints one compact JSON object per line (for piping into jq or a file)',
        pretty: 'prints each record as indented JSON',
      },
    }),
});

/** Spec of `sink.console`. */
export const consoleSinkSpec = defineNodeSpec({
  type: 'sink.console',
  kind: 'sink',
  version: 1,
  title: 'Console',
  description:
    'Prints each record to standard output as JSON `{ key, value, headers, timestamp, meta, error? }`. Handy for ' +
    'debugging and demos.',
  inputs: [{ name: DEFAULT_INPUT, description: 'Records to print.' }],
  outputs: [],
  config: consoleConfigSchema,
  example: { format: 'pretty' },
});
