/** `transform.throttle`: limits the record rate with a token bucket, holding upstream back instead of dropping. Browser-safe. */
import { z } from 'zod';
import { DEFAULT_INPUT, DEFAULT_OUTPUT, defineNodeSpec } from '../../runtime/common/node-spec';

/** Config of `transform.throttle`. */
export const throttleConfigSchema = z.strictObject({
  ratePerSecond: z
    .number()
    .positive()
    .max(1_000_000)
    .describe('Sustained rate: at most this many records per second pass on average (records/s; fractions allowed, e.g. 0.5).'),
  burst: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .optional()
    .describe(
      'Bucket size: how many records may pass at once after a quiet spell (records). Absent: `ratePerSecond` rounded up, ' +
        'i.e. one second worth of records.',
    ),
});

/** Parsed config of `transform.throttle`. */
export type ThrottleTransformConfig = z.output<typeof throttleConfigSchema>;

/** Spec of `transform.throttle`. */
export const throttleTransformSpec = defineNodeSpec({
  type: 'transform.throttle',
  kind: 'transform',
  version: 1,
  title: 'Throttle',
  description:
    'Lets at most `ratePerSecond` records per second through (token bucket of size `burst`). Batches wait for their ' +
    'tokens, so the sources slow down (backpressure); nothing is dropped.',
  inputs: [{ name: DEFAULT_INPUT, description: 'Records to pace.' }],
  outputs: [{ name: DEFAULT_OUTPUT, description: 'The same records, unchanged and in order, no faster than the rate.' }],
  config: throttleConfigSchema,
  example: { ratePerSecond: 50, burst: 10 },
});
