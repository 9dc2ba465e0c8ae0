/** `transform.map`: replaces each record's value (and optionally its key) with an expression's result. Browser-safe. */
import { z } from 'zod';
import { withFieldMeta } from '../../runtime/common/field-meta';
import { DEFAULT_INPUT, DEFAULT_OUTPUT, defineNodeSpec } from '../../runtime/common/node-spec';

/** Config of `transform.map`. */
export const mapConfigSchema = z.strictObject({
  expression: z
    .string()
    .describe('Expression over `value`, `key`, `headers`, `meta` whose result becomes the new value, e.g. `({ ...value, total: value.qty * value.price })`.'),
  key: z
    .string()
    .optional()
    .describe(
      'Expression for a new key, evaluated on the incoming record; strings as-is, null/undefined = no key, other values ' +
        'converted with `String`. Absent: the key is kept.',
    )
    .apply(withFieldMeta, { examples: ['String(value.id)'] }),
});

/** Spec of `transform.map`. */
export const mapTransformSpec = defineNodeSpec({
  type: 'transform.map',
  kind: 'transform',
  version: 1,
  title: 'Map',
  description:
    'Replaces each record value with the result of an expression (and optionally sets a new key); headers, timestamp ' +
    'and metadata are kept. A record whose expression throws goes to `error`.',
  inputs: [{ name: DEFAULT_INPUT, description: 'Records to transform.' }],
  outputs: [{ name: DEFAULT_OUTPUT, description: 'Records with the new value (and key).' }],
  config: mapConfigSchema,
  expressions: ['expression', 'key'],
  example: { expression: '({ id: value.id, total: value.qty * value.price })', key: 'String(value.id)' },
});
