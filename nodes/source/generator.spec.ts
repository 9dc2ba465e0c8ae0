/**
 * `source.generator`: generates records from an expression, with no Kafka at all. The demo source, and a load
 * generator for measuring a flow. Browser-safe.
 */
import { z } from 'zod';
import { withFieldMeta } from '../../runtime/common/field-meta';
import { DEFAULT_OUTPUT, defineNodeSpec } from '../../runtime/common/node-spec';

/** Default `value` expression: `{ id, at }` with the sequence number and the generation time (ms). */
export const DEFAULT_GENERATOR_VALUE = '({ id: i, at: now })';

/** Config of `source.generator`. */
export const generatorConfigSchema = z.strictObject({
  count: z
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .default(0)
    .describe('How many records to emit before finishing (records); 0 means unbounded (runs until stopped).'),
  ratePerSecond: z
    .number()
    .min(0)
    .max(10_000_000)
    .default(1000)
    .describe('Target rate (records/s); fractions are allowed (0.5 = one record every 2 s). 0 means as fast as backpressure allows.'),
  value: z
    .string()
    .default(DEFAULT_GENERATOR_VALUE)
    .describe('Expression for the record value; sees `i` (sequence number from 0) and `now` (generation time, ms since the epoch).'),
  key: z
    .string()
    .optional()
    .describe('Expression for the record key (over `i` and `now`); non-strings are converted with `String`, null/undefined means no key. Absent: no key.')
    .apply(withFieldMeta, { examples: ['String(i % 10)'] }),
});

/** Spec of `source.generator`. */
export const generatorSourceSpec = defineNodeSpec({
  type: 'source.generator',
  kind: 'source',
  version: 1,
  title: 'Generator',
  description:
    'Emits records built from an expression over a sequence number `i` and the time `now`, at a fixed rate, forever ' +
    'or `count` times. Needs no Kafka: use it for demos and load tests.',
  inputs: [],
  outputs: [{ name: DEFAULT_OUTPUT, description: 'Generated records, with `meta.source` set to this node and `timestamp` = `now`.' }],
  config: generatorConfigSchema,
  expressions: ['value', 'key'],
  expressionVariables: ['i', 'now'],
  example: { count: 100, ratePerSecond: 10, value: "({ id: i, amount: (i * 37) % 1000, at: now })", key: 'String(i % 10)' },
});
