/**
 * `transform.window`: keyed aggregation over tumbling or hopping windows, on event time (with a watermark) or on
 * processing time. Browser-safe.
 */
import { z } from 'zod';
import { withFieldMeta } from '../../runtime/common/field-meta';
import { DEFAULT_INPUT, DEFAULT_OUTPUT, defineNodeSpec } from '../../runtime/common/node-spec';

/** Aggregate operations of `transform.window`. */
export const WINDOW_AGGREGATE_OPS = ['count', 'sum', 'avg', 'min', 'max', 'distinctCount'] as const;

/** Field names of every window result; aggregates cannot use them. */
export const WINDOW_RESULT_FIELDS = ['key', 'windowStart', 'windowEnd'] as const;

/** One aggregate of a window result. */
export const windowAggregateSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/, 'an aggregate name is an identifier: letters, digits, _ and $')
    .describe('Field of the window result that holds this aggregate, e.g. `clicks`; not `key`, `windowStart` or `windowEnd`.'),
  op: z
    .enum(WINDOW_AGGREGATE_OPS)
    .describe(
      'Aggregate: `count` = records (with an expression: records where it is not null/undefined); `sum`/`avg`/`min`/' +
        '`max` = over the finite numbers the expression gives (null/undefined skipped; no values: sum 0, others null); ' +
        '`distinctCount` = distinct values (compared as JSON; null/undefined skipped).',
    )
    .apply(withFieldMeta, {
      options: {
        count: 'records (with an expression: records where it is not null/undefined)',
        sum: 'sum of the finite numbers the expression gives (null/undefined skipped; no values: 0)',
        avg: 'mean of the finite numbers the expression gives (null/undefined skipped; no values: null)',
        min: 'smallest of the finite numbers the expression gives (null/undefined skipped; no values: null)',
        max: 'largest of the finite numbers the expression gives (null/undefined skipped; no values: null)',
        distinctCount: 'distinct values (compared as JSON; null/undefined skipped)',
      },
    }),
  expression: z
    .string()
    .optional()
    .describe('Expression over `value`, `key`, `headers`, `meta` giving the aggregated value, e.g. `value.temp`. Required except for `count`.'),
});

/** Config of `transform.window` (before the cross-field checks). */
const windowConfigShape = z.strictObject({
  keyBy: z
    .string()
    .default('key')
    .describe(
      'Expression giving the window key, e.g. `value.userId`; strings as-is, null/undefined = the null key, other values ' +
        'converted with `String`. Default: the record key.',
    ),
  type: z
    .enum(['tumbling', 'hopping'])
    .default('tumbling')
    .describe('`tumbling`: back-to-back windows of `sizeMs`; `hopping`: windows of `sizeMs` starting every `advanceMs` (overlapping).')
    .apply(withFieldMeta, {
      options: {
        tumbling: 'back-to-back windows of `sizeMs`',
        hopping: 'windows of `sizeMs` starting every `advanceMs` (overlapping)',
      },
    }),
  sizeMs: z.number().int().min(1).describe('Window length (ms). Windows are aligned to the epoch: `[k * advance, k * advance + size)`.'),
  advanceMs: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('`hopping` only (required there): distance between window starts (ms), below `sizeMs`.')
    .apply(withFieldMeta, { appliesWhen: { field: 'type', values: ['hopping'] } }),
  time: z
    .enum(['event', 'processing'])
    .default('event')
    .describe(
      '`event`: windows follow the records\' own time (`timestampExpression`, default the record timestamp) and close on ' +
        'the watermark; `processing`: windows follow the clock of this process and close by a timer at their end.',
    )
    .apply(withFieldMeta, {
      options: {
        event: "the records' own time (`timestampExpression`, default the record timestamp); windows close on the watermark",
        processing: 'the clock of this process; windows close by a timer at their end',
      },
    }),
  timestampExpression: z
    .string()
    .optional()
    .describe(
      '`event` time only: expression giving the event time (ms since the epoch, a Date, or an ISO-8601 string), e.g. ' +
        '`value.at`. Absent: the record timestamp.',
    ),
  allowedLatenessMs: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe(
      '`event` time: how far behind the newest event time of a partition a record may be (ms). The watermark is ' +
        '`max event time seen - allowedLatenessMs`; a window closes once the watermark reaches its end, and a record ' +
        'all of whose windows are closed goes to `late`.',
    ),
  idleTimeoutMs: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      '`event` time: closes every open window of a partition that received no record for this long (ms, processing ' +
        'time); later records for those windows are late. Absent: an idle partition keeps its windows open.',
    ),
  aggregates: z
    .array(windowAggregateSchema)
    .min(1)
    .describe('Aggregates computed per key and window, each a field of the result, e.g. `[{ name: clicks, op: count }]`.'),
  maxKeys: z
    .number()
    .int()
    .min(1)
    .max(10_000_000)
    .default(100_000)
    .describe(
      'Most open windows kept per partition (one per key and window start). Beyond it the oldest window is closed early ' +
        '(its result is emitted, partial) and counted in the logs.',
    )
    .apply(withFieldMeta, { advanced: true }),
});

/** Config of `transform.window`, with the cross-field checks (advanceMs, expressions, aggregate names). */
export const windowConfigSchema = windowConfigShape.superRefine((config, ctx) => {
  if (config.type === 'hopping') {
    if (config.advanceMs === undefined) {
      ctx.addIssue({ code: 'custom', path: ['advanceMs'], message: 'hopping windows need advanceMs (the distance between window starts)' });
    } else if (config.advanceMs >= config.sizeMs) {
      ctx.addIssue({ code: 'custom', path: ['advanceMs'], message: 'advanceMs must be below sizeMs; use type tumbling for back-to-back windows' });
    }
  } else if (config.advanceMs !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['advanceMs'], message: 'advanceMs applies to hopping windows only; remove it' });
  }
  if (config.time === 'processing') {
    for (const field of ['timestampExpression', 'idleTimeoutMs'] as const) {
      if (config[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `${field} applies to event time only; remove it` });
    }
  }
  const seen = new Set<string>();
  config.aggregates.forEach((aggregate, index) => {
    if ((WINDOW_RESULT_FIELDS as readonly string[]).includes(aggregate.name)) {
      ctx.addIssue({ code: 'custom', path: ['aggregates', index, 'name'], message: `"${aggregate.name}" is a field of every window result; choose another name` });
    } else if (seen.has(aggregate.name)) {
      ctx.addIssue({ code: 'custom', path: ['aggregates', index, 'name'], message: `duplicate aggregate name "${aggregate.name}"` });
    }
    seen.add(aggregate.name);
    if (aggregate.op !== 'count' && aggregate.expression === undefined) {
      ctx.addIssue({ code: 'custom', path: ['aggregates', index, 'expression'], message: `${aggregate.op} needs an expression (the value aggregated)` });
    }
  });
});

/** Parsed config of `transform.window`. */
export type WindowConfig = z.output<typeof windowConfigSchema>;

/** Spec of `transform.window`. */
export const windowTransformSpec = defineNodeSpec({
  type: 'transform.window',
  kind: 'transform',
  version: 1,
  title: 'Window',
  description:
    'Aggregates records per key over tumbling or hopping windows (event or processing time) and emits ' +
    '`{ key, windowStart, windowEnd, <aggregates> }` when a window closes. Offsets of records in open windows are ' +
    'committed only after their window was emitted, so a restart rebuilds open windows from the source; with Kafka ' +
    'sources, the offset commit also carries the window checkpoint, so a window emitted before the restart is not ' +
    'emitted again from part of its records.',
  inputs: [{ name: DEFAULT_INPUT, description: 'Records to aggregate.' }],
  outputs: [
    {
      name: DEFAULT_OUTPUT,
      description: 'One record per closed window: key = the window key, value = `{ key, windowStart, windowEnd, <aggregates> }`, timestamp = windowEnd.',
    },
    { name: 'late', description: 'Records that arrived after every window they belong to was closed (event time), unchanged.' },
  ],
  config: windowConfigSchema,
  expressions: ['keyBy', 'timestampExpression', 'aggregates[].expression'],
  example: {
    keyBy: 'value.page',
    type: 'tumbling',
    sizeMs: 60_000,
    time: 'event',
    timestampExpression: 'value.at',
    allowedLatenessMs: 5_000,
    aggregates: [
      { name: 'clicks', op: 'count' },
      { name: 'avgTemp', op: 'avg', expression: 'value.temp' },
      { name: 'users', op: 'distinctCount', expression: 'value.userId' },
    ],
  },
});
