/** `transform.dedupe`: drops records whose key was already seen within a time to live. Browser-safe. */
import { z } from 'zod';
import { withFieldMeta } from '../../runtime/common/field-meta';
import { DEFAULT_INPUT, DEFAULT_OUTPUT, defineNodeSpec } from '../../runtime/common/node-spec';
import { DEFAULT_REDIS_URL } from '../sink/redis.spec';

/** Config of `transform.dedupe`. */
export const dedupeConfigSchema = z.strictObject({
  key: z
    .string()
    .default('key')
    .describe(
      'Expression giving the identity of a record, e.g. `value.orderId`; strings as-is, other values as JSON. A record ' +
        'whose key gives null/undefined is never a duplicate. Default: the record key.',
    ),
  ttlMs: z
    .number()
    .int()
    .min(1)
    .max(365 * 24 * 3_600_000)
    .default(600_000)
    .describe('How long a key is remembered after it was first seen (ms); a record with the same key within it is a duplicate.'),
  store: z
    .enum(['memory', 'redis'])
    .default('memory')
    .describe(
      '`memory`: a bounded LRU in this process (`maxEntries`); `redis`: `SET key NX PX ttlMs` on a Redis server, so ' +
        'every instance of the flow shares the keys seen.',
    )
    .apply(withFieldMeta, {
      options: {
        memory: 'a bounded LRU in this process (`maxEntries`)',
        redis: '`SET key NX PX ttlMs` on a Redis server, shared by every instance of the flow',
      },
    }),
  maxEntries: z
    .number()
    .int()
    .min(1)
    .max(100_000_000)
    .default(100_000)
    .describe('`memory` store: most keys remembered (records); beyond it the least recently seen key is forgotten before its ttlMs.')
    .apply(withFieldMeta, { advanced: true }),
  url: z
    .string()
    .refine((url) => /^rediss?:\/\//.test(url) || url.includes('${'), 'a Redis URL starts with redis:// or rediss://')
    .default(DEFAULT_REDIS_URL)
    .describe('`redis` store: Redis URL, `redis://[user:password@]host:port[/db]` (`rediss://` for TLS), e.g. `${REDIS_URL}`.'),
  keyPrefix: z
    .string()
    .optional()
    .describe('`redis` store: prefix of the Redis keys. Absent: `tributary:dedupe:<node id>:`. Instances that share keys use the same prefix.'),
});

/** Parsed config of `transform.dedupe`. */
export type DedupeConfig = z.output<typeof dedupeConfigSchema>;

/** Spec of `transform.dedupe`. */
export const dedupeTransformSpec = defineNodeSpec({
  type: 'transform.dedupe',
  kind: 'transform',
  version: 1,
  title: 'Dedupe',
  description:
    'Passes the first record of each key and sends records whose key was seen within `ttlMs` to `duplicate`; keys are ' +
    'kept in a bounded in-memory LRU or, shared between instances, in Redis (`SET NX PX`).',
  inputs: [{ name: DEFAULT_INPUT, description: 'Records to deduplicate.' }],
  outputs: [
    { name: DEFAULT_OUTPUT, description: 'Records whose key was not seen within ttlMs (and replays of those records), unchanged.' },
    { name: 'duplicate', description: 'Records whose key was seen within ttlMs, unchanged. Leave it unwired to drop them (they are counted).' },
  ],
  config: dedupeConfigSchema,
  connectionCheck: 'redis',
  expressions: ['key'],
  example: { key: 'value.orderId', ttlMs: 3_600_000, store: 'redis', url: '${REDIS_URL}' },
});
