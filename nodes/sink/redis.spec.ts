/** `sink.redis`: writes each record to Redis with one command (SET, HSET, XADD, PUBLISH, INCRBY or ZADD). Browser-safe. */
import { z } from 'zod';
import { withFieldMeta } from '../../runtime/common/field-meta';
import { DEFAULT_INPUT, defineNodeSpec } from '../../runtime/common/node-spec';

/** The `command` options of `sink.redis`: the Redis command of each record (`set` without TTL goes out as batched `MSET`s). */
export const REDIS_SINK_COMMANDS = ['set', 'hset', 'xadd', 'publish', 'incrby', 'zadd'] as const;

/** How `sink.redis` `xadd` chooses entry ids: Redis assigns them, or they derive from the record's Kafka offset. */
export const REDIS_STREAM_ID_MODES = ['auto', 'from-offset'] as const;

/** Default Redis URL: the local server that `npm run services` starts. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Config of `sink.redis` (before the cross-field checks of {@link redisConfigSchema}). */
const redisConfigShape = z.strictObject({
  url: z
    .string()
    .refine((url) => /^rediss?:\/\//.test(url) || url.includes('${'), 'a Redis URL starts with redis:// or rediss://')
    .default(DEFAULT_REDIS_URL)
    .describe(
      'Redis URL, `redis://[user:password@]host:port[/db]` (`rediss://` for TLS); write `${REDIS_URL}` to take it from ' +
        'the environment.',
    ),
  command: z
    .enum(REDIS_SINK_COMMANDS)
    .default('set')
    .describe(
      'Command issued for each record: ' +
        '`set` = SET key value (value from `valueExpression`, default JSON of the record value; EX `ttlSeconds`); ' +
        '`hset` = HSET key field value ... (fields from `fieldsExpression`, default the top-level fields of the value); ' +
        '`xadd` = XADD key [MAXLEN ~ `maxLen`] <id> field value ... (fields as for hset; id `*` or from the offset, see `id`); ' +
        '`publish` = PUBLISH key message (key is the channel; message as for set); ' +
        '`incrby` = INCRBY key increment (`incrementExpression`, default 1); ' +
        '`zadd` = ZADD key score member (`scoreExpression` required, member from `memberExpression`).',
    )
    .apply(withFieldMeta, {
      options: {
        set: 'SET key value (value from `valueExpression`, default JSON of the record value; EX `ttlSeconds`)',
        hset: 'HSET key field value ... (fields from `fieldsExpression`, default the top-level fields of the value)',
        xadd: 'XADD key [MAXLEN ~ `maxLen`] <id> field value ... (fields as for hset; id `*` or from the offset, see `id`)',
        publish: 'PUBLISH key message (key is the channel; message as for set)',
        incrby: 'INCRBY key increment (`incrementExpression`, default 1)',
        zadd: 'ZADD key score member (`scoreExpression` required, member from `memberExpression`)',
      },
    }),
  key: z
    .string()
    .min(1)
    .describe(
      'Expression for the Redis key (the channel for `publish`), e.g. `\'order:\' + value.id`; must give a non-empty ' +
        'string or a number, otherwise the record goes to `error`.',
    ),
  valueExpression: z
    .string()
    .optional()
    .describe(
      '`set`/`publish`: expression for the value written; strings are written as-is, other results as JSON. ' +
        'Absent: JSON.stringify(value) (byte values are written raw).',
    )
    .apply(withFieldMeta, { appliesWhen: { field: 'command', values: ['set', 'publish'] } }),
  fieldsExpression: z
    .string()
    .optional()
    .describe(
      '`hset`/`xadd`: expression that yields an object whose fields are written; string field values as-is, others as ' +
        'JSON, undefined ones skipped. Absent: the top-level fields of the record value.',
    )
    .apply(withFieldMeta, { appliesWhen: { field: 'command', values: ['hset', 'xadd'] } }),
  incrementExpression: z
    .string()
    .default('1')
    .describe('`incrby`: expression for the increment; must give an integer.')
    .apply(withFieldMeta, { appliesWhen: { field: 'command', values: ['incrby'] } }),
  scoreExpression: z
    .string()
    .optional()
    .describe('`zadd` (required there): expression for the score; must give a finite number, e.g. `value.at`.')
    .apply(withFieldMeta, { appliesWhen: { field: 'command', values: ['zadd'] } }),
  memberExpression: z
    .string()
    .optional()
    .describe('`zadd`: expression for the member; strings as-is, others as JSON. Absent: encoded like `set` writes the value.')
    .apply(withFieldMeta, { appliesWhen: { field: 'command', values: ['zadd'] } }),
  maxLen: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('`xadd` only: trims the stream to about this many entries (`MAXLEN ~`, records). Absent: no trimming.')
    .apply(withFieldMeta, { appliesWhen: { field: 'command', values: ['xadd'] } }),
  id: z
    .enum(REDIS_STREAM_ID_MODES)
    .default('auto')
    .describe(
      '`xadd` only: entry ids. auto: `*`, Redis assigns a new id, so a replay after a crash appends the records again. ' +
        'from-offset: `<Kafka offset + 1>-<n>` (n counts the records derived from one offset within a batch: 0, 1, ...), ' +
        'so a replayed record gets the id it had and Redis refuses it as not greater than the stream top; the sink ' +
        'counts it as already written (counter alreadyWritten). Stream ids must increase and offsets of different ' +
        'partitions do not, so each stream takes one topic-partition: put `meta.partition` in the key, e.g. ' +
        "`'events:' + meta.partition`; a record of a second partition for the same stream goes to `error`. Needs " +
        'records from `source.kafka` (meta.partition and meta.offset).',
    )
    .apply(withFieldMeta, {
      options: {
        auto: '`*`: Redis assigns the id; a replay appends again (at-least-once)',
        'from-offset': '`<offset+1>-<n>`: a replay is refused by Redis and counted as already written (idempotent)',
      },
      appliesWhen: { field: 'command', values: ['xadd'] },
    }),
  ttlSeconds: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      'Expire the key after this many seconds (s): `SET ... EX` for `set`, an `EXPIRE` in the same pipeline for ' +
        '`hset`, `xadd`, `incrby` and `zadd`; not allowed with `publish`. Absent: keys do not expire.',
    ),
});

/** Config of `sink.redis`, with the cross-field checks: `scoreExpression` for zadd, `ttlSeconds`/`maxLen`/`id` where they apply. */
export const redisConfigSchema = redisConfigShape.superRefine((config, ctx) => {
  if (config.command === 'zadd' && config.scoreExpression === undefined) {
    ctx.addIssue({ code: 'custom', path: ['scoreExpression'], message: 'zadd needs a scoreExpression (the score of each member)' });
  }
  if (config.command === 'publish' && config.ttlSeconds !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['ttlSeconds'], message: 'publish writes no key, so ttlSeconds does not apply; remove it' });
  }
  if (config.command !== 'xadd' && config.maxLen !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['maxLen'], message: `maxLen applies to xadd only, not ${config.command}; remove it` });
  }
  if (config.command !== 'xadd' && config.id !== 'auto') {
    ctx.addIssue({ code: 'custom', path: ['id'], message: `id applies to xadd only, not ${config.command}; remove it` });
  }
});

/** Parsed config of `sink.redis`. */
export type RedisSinkConfig = z.output<typeof redisConfigSchema>;

/** Spec of `sink.redis`. */
export const redisSinkSpec = defineNodeSpec({
  type: 'sink.redis',
  kind: 'sink',
  version: 1,
  title: 'Redis',
  description:
    'Writes each record to Redis with one command (SET, HSET, XADD, PUBLISH, INCRBY or ZADD), one pipeline per batch. ' +
    'A down server is retried; a record Redis refuses (e.g. WRONGTYPE) goes to `error`.',
  inputs: [{ name: DEFAULT_INPUT, description: 'Records to write.' }],
  outputs: [],
  config: redisConfigSchema,
  connectionCheck: 'redis',
  expressions: ['key', 'valueExpression', 'fieldsExpression', 'incrementExpression', 'scoreExpression', 'memberExpression'],
  example: { url: '${REDIS_URL}', command: 'hset', key: "'order:' + value.id", ttlSeconds: 3600 },
});
