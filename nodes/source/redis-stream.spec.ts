/** `source.redis-stream`: reads Redis streams as a member of a consumer group, at-least-once. Browser-safe. */
import { z } from 'zod';
import { withFieldMeta } from '../../runtime/common/field-meta';
import { DEFAULT_OUTPUT, defineNodeSpec } from '../../runtime/common/node-spec';
import { DEFAULT_REDIS_URL } from '../sink/redis.spec';

/** Config of `source.redis-stream`. */
export const redisStreamConfigSchema = z.strictObject({
  url: z
    .string()
    .refine((url) => /^rediss?:\/\//.test(url) || url.includes('${'), 'a Redis URL starts with redis:// or rediss://')
    .default(DEFAULT_REDIS_URL)
    .describe('Redis URL, `redis://[user:password@]host:port[/db]` (`rediss://` for TLS); write `${REDIS_URL}` to take it from the environment.'),
  streams: z.array(z.string().min(1)).min(1).describe('Stream keys to read, e.g. `[orders]`.'),
  group: z.string().min(1).describe('Consumer group. Instances of the flow with the same group share the entries between them.')
    .apply(withFieldMeta, { examples: ['tributary'] }),
  consumer: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Consumer name in the group. Entries delivered to a consumer but not acknowledged are re-read by the same name ' +
        'at start, so give a name that survives restarts (e.g. `${HOSTNAME}`). Absent: `tributary-<hostname>-<pid>`.',
    ),
  startId: z
    .enum(['$', '0'])
    .default('$')
    .describe('Where a group created by this source starts: `$` = new entries only, `0` = the whole stream.')
    .apply(withFieldMeta, { options: { $: 'new entries only', '0': 'the whole stream' } }),
  createGroup: z
    .boolean()
    .default(true)
    .describe('Create the group (and the stream, MKSTREAM) when it does not exist. false: a missing group is an error.'),
  count: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .optional()
    .describe('Most entries per read (XREADGROUP COUNT, records). Absent: the flow batchSize.')
    .apply(withFieldMeta, { advanced: true }),
  blockMs: z
    .number()
    .int()
    .min(1)
    .max(60_000)
    .default(1_000)
    .describe('How long one read waits for new entries (XREADGROUP BLOCK, ms).')
    .apply(withFieldMeta, { advanced: true }),
  keyField: z
    .string()
    .min(1)
    .optional()
    .describe('Entry field whose value becomes the record key. Absent: the entry id.'),
  valueField: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Entry field whose value, parsed as JSON, becomes the record value (not JSON: to `error` with E_DECODE). Absent: ' +
        'the value is an object of every field, as strings.',
    ),
  claimIdleMs: z
    .number()
    .int()
    .min(1_000)
    .optional()
    .describe(
      'Also claim (XAUTOCLAIM) entries of other consumers of the group pending for longer than this (ms), e.g. those of ' +
        'an instance that is gone. Absent: never. Keep it above the longest time a window holds records.',
    )
    .apply(withFieldMeta, { advanced: true }),
});

/** Parsed config of `source.redis-stream`. */
export type RedisStreamConfig = z.output<typeof redisStreamConfigSchema>;

/** Spec of `source.redis-stream`. */
export const redisStreamSourceSpec = defineNodeSpec({
  type: 'source.redis-stream',
  kind: 'source',
  version: 1,
  title: 'Redis stream',
  description:
    'Reads Redis stream entries as a member of a consumer group (XREADGROUP) and acknowledges them (XACK) only after ' +
    'every record derived from them was acknowledged downstream (at-least-once), in delivery order, like a commit ' +
    'position. Unacknowledged entries are re-read at start. With windows downstream, their checkpoint is stored with ' +
    'each XACK in the hash `tributary:checkpoint:<group>:<stream>` (one field per consumer).',
  inputs: [],
  outputs: [
    {
      name: DEFAULT_OUTPUT,
      description:
        'One record per entry: key = the entry id (or keyField), value = the fields (or valueField parsed), timestamp = ' +
        'the entry id time, meta.topic = the stream, meta.offset = the entry id.',
    },
  ],
  config: redisStreamConfigSchema,
  connectionCheck: 'redis',
  example: { url: '${REDIS_URL}', streams: ['orders'], group: 'tributary', consumer: '${HOSTNAME:-local}', startId: '0', valueField: 'data' },
});
