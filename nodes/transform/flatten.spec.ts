/** `transform.flatten`: emits one record per element of an array taken from each record. Browser-safe. */
import { z } from 'zod';
import { DEFAULT_INPUT, DEFAULT_OUTPUT, defineNodeSpec } from '../../runtime/common/node-spec';

/** Config of `transform.flatten`. */
export const flattenConfigSchema = z.strictObject({
  expression: z
    .string()
    .default('value.items')
    .describe('Expression over `value`, `key`, `headers`, `meta` that gives the array to flatten, e.g. `value.lines`.'),
  as: z
    .string()
    .optional()
    .describe(
      'Expression for the value of each output record; it also sees `item` (the element) and `index` (0-based), e.g. ' +
        '`({ order: value.id, ...item, line: index })`. Absent: the element itself.',
    ),
});

/** Parsed config of `transform.flatten`. */
export type FlattenTransformConfig = z.output<typeof flattenConfigSchema>;

/** Spec of `transform.flatten`. */
export const flattenTransformSpec = defineNodeSpec({
  type: 'transform.flatten',
  kind: 'transform',
  version: 1,
  title: 'Flatten',
  description:
    'Emits one record per element of an array expression (an empty array emits nothing), each with the element (or ' +
    'the `as` expression) as value; key, headers, timestamp and metadata are kept. A record whose expression throws or ' +
    'gives no array goes to `error`.',
  inputs: [{ name: DEFAULT_INPUT, description: 'Records holding an array.' }],
  outputs: [{ name: DEFAULT_OUTPUT, description: 'One record per array element, in array order.' }],
  config: flattenConfigSchema,
  expressions: ['expression', 'as'],
  expressionVariables: ['item', 'index'],
  example: { expression: 'value.lines', as: '({ orderId: value.id, line: index, ...item })' },
});
