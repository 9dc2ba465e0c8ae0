/** `transform.filter`: keeps the records for which an expression is truthy. Browser-safe. */
import { z } from 'zod';
import { DEFAULT_INPUT, DEFAULT_OUTPUT, defineNodeSpec } from '../../runtime/common/node-spec';

/** Config of `transform.filter`. */
export const filterConfigSchema = z.strictObject({
  expression: z
    .string()
    .describe('Expression over `value`, `key`, `headers`, `meta`; records for which it is truthy are kept, e.g. `value.amount > 100`.'),
});

/** Spec of `transform.filter`. */
export const filterTransformSpec = defineNodeSpec({
  type: 'transform.filter',
  kind: 'transform',
  version: 1,
  title: 'Filter',
  description:
    'Keeps the records for which an expression is truthy and drops the others. A record whose expression throws goes ' +
    'to `error`.',
  inputs: [{ name: DEFAULT_INPUT, description: 'Records to filter.' }],
  outputs: [{ name: DEFAULT_OUTPUT, description: 'Records for which the expression is truthy, unchanged.' }],
  config: filterConfigSchema,
  expressions: ['expression'],
  example: { expression: "value.amount > 100 && headers['source'] !== 'test'" },
});
