/** `transform.enrich`: adds what Redis holds under a key computed from each record. Browser-safe. */
import { z } from 'zod';
import { withFieldMeta } from '../../runtime/common/field-meta';
import { DEFAULT_INPUT, DEFAULT_OUTPUT, defineNodeSpec } from '../../runtime/common/node-spec';
import { DEFAULT_REDIS_URL } from '../sink/redis.spec';

/** Config of `transform.enrich`. */
export const enrichConfigSchema = z.strictObject({
  url: z
    .string()
    .refine((url) => /^rediss?:\/\//.test(url) || url.includes('${'), 'a Redis URL starts with redis:// or rediss://')
    .default(DEFAULT_REDIS_URL)
    .describe('Redis URL, `redis://[user:password@]host:port[/db]` (`rediss://` for TLS); write `${REDIS_URL}` to take it from the environment.'),
  command: z
    .enum(['get', 'hgetall'])
    .default('get')
    .describe(
      'Lookup: `get` = GET key (a JSON string is parsed, anything else kept as a string); `hgetall` = HGETALL key (an ' +
        'object of string fields; an empty hash is a miss).',
    )
    .apply(withFieldMeta, {
      options: {
        get: 'GET key (a JSON string is parsed, anything else kept as a string)',
        hgetall: 'HGETALL key (an object of string fields; an empty hash is a miss)',
      },
    }),
  key: z.string().min(1).describe('Expression giving the Redis key, e.g. `\'customer:\' + value.customerId`; must give a non-empty string or a number.'),
  field: z
    .string()
    .min(1)
    .default('lookup')
    .describe('Field of the record value that receives the result (the value must be an object); a miss with `onMiss: pass` sets it to null.'),
  onMiss: z
    .enum(['pass', 'drop', 'error'])
    .default('pass')
    .describe('When Redis has nothing under the key: `pass` = on to `out` with the field null; `drop` = to the `miss` port; `error` = to `error`.')
    .apply(withFieldMeta, {
      options: { pass: 'on to `out` with the field null', drop: 'to the `miss` port', error: 'to `error`' },
    }),
  cacheTtlMs: z
    .number()
    .int()
    .min(0)
    .default(60_000)
    .describe('How long a lookup result (a miss included) is cached in this process (ms); 0 = no cache, every record asks Redis.')
    .apply(withFieldMeta, { advanced: true }),
  cacheMaxEntries: z
    .number()
    .int()
    .min(1)
    .max(10_000_000)
    .default(10_000)
    .describe('Most cached lookup results (keys); the least recently used go first.')
    .apply(withFieldMeta, { advanced: true }),
});

/** Parsed config of `transform.enrich`. */
export type EnrichConfig = z.output<typeof enrichConfigSchema>;

/** Spec of `transform.enrich`. */
export const enrichTransformSpec = defineNodeSpec({
  type: 'transform.enrich',
  kind: 'transform',
  version: 1,
  title: 'Enrich',
  description:
    'Looks up Redis (GET or HGETALL) under a key computed from each record, one pipeline per batch with a bounded ' +
    'cache, and merges the result into the record value under `field`. Misses pass, go to `miss`, or to `error`.',
  inputs: [{ name: DEFAULT_INPUT, description: 'Records to enrich; their values must be objects.' }],
  outputs: [
    { name: DEFAULT_OUTPUT, description: 'Records with `value[field]` set to the lookup result (null for a miss with onMiss: pass).' },
    { name: 'miss', description: 'With `onMiss: drop`: records Redis had nothing for, unchanged. Leave it unwired to drop them (they are counted).' },
  ],
  config: enrichConfigSchema,
  connectionCheck: 'redis',
  expressions: ['key'],
  example: { url: '${REDIS_URL}', command: 'hgetall', key: "'customer:' + value.customerId", field: 'customer', onMiss: 'pass' },
});
