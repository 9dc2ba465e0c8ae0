/**
 * `startFrom` of `source.kafka`: where a partition that has no committed offset for the consumer group begins.
 * Committed offsets always win, so a restarted flow resumes where it left off whatever `startFrom` says; to read a
 * topic again, move the group's committed offsets (`tributary offsets reset`, the studio's "Replay from…").
 * Browser-safe (zod only): the inspector, the docs and the flow file JSON Schema read the same schema as the runtime
 * (`nodes/kafka-start-position.runtime.ts` resolves it against the cluster).
 */
import { z } from 'zod';
import { withFieldMeta } from '../runtime/common/field-meta';

/** The named start positions. */
export const START_POSITIONS = ['committed', 'earliest', 'latest'] as const;

/**
 * Reads a point in time given as an ISO 8601 date-time with a zone (`2026-11-30T00:00:00Z`, `...+01:00`) or as epoch
 * milliseconds (a number, or digits in a string).
 * @returns epoch milliseconds, or undefined when `value` is neither
 */
export function parseStartTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return parseStartTimestamp(Number(text));
  if (!z.iso.datetime({ offset: true }).safeParse(text).success) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A point in time: ISO 8601 date-time with a zone, or epoch milliseconds. */
export const startTimestampSchema = z
  .union([z.iso.datetime({ offset: true, error: 'give an ISO 8601 date-time with a zone, e.g. 2026-11-30T00:00:00Z, or epoch ms' }), z.number().int().min(0)])
  .describe('ISO 8601 date-time with a zone (`2026-11-30T00:00:00Z`) or epoch milliseconds.')
  .apply(withFieldMeta, { variantLabels: { string: 'Date-time (ISO 8601)', integer: 'Epoch ms' } });

/** Explicit offsets: topic -> partition number (as text, as YAML keys are) -> offset (the next record to read). */
const offsetsByTopic = z.record(
  z.string().min(1),
  z.record(z.string().regex(/^\d+$/, 'a partition number, e.g. "0"'), z.number().int().min(0, 'an offset is 0 or more')),
);

/** `startFrom`: where a partition without a committed offset begins. */
export const startFromField = z
  .union([
    z.enum(START_POSITIONS),
    z.strictObject({ timestamp: startTimestampSchema }),
    z.strictObject({
      offsets: offsetsByTopic.describe('Offset per topic and partition, e.g. `{ orders: { "0": 1200, "1": 980 } }`.'),
      otherPartitions: z
        .enum(['earliest', 'latest'])
        .default('earliest')
        .describe('Where a partition not listed in `offsets` (and without a committed offset) begins.'),
    }),
  ])
  .optional()
  .describe(
    'Where a partition without a committed offset begins; committed offsets always win, so a restart resumes where it ' +
      'left off. committed (default): new records only, as latest; earliest: the oldest record kept; latest: new records ' +
      'only; { timestamp }: the first record at or after that time (ISO 8601 or epoch ms; a partition with none after it ' +
      'starts at its end); { offsets }: the given offset per topic and partition. To read again what a group already ' +
      'read, move its offsets: `tributary offsets reset` or "Replay from…" in the studio.',
  )
  .apply(withFieldMeta, {
    options: {
      committed: 'resume at the committed offset; a partition without one starts with new records (default)',
      earliest: 'a partition without a committed offset starts at the oldest record kept',
      latest: 'a partition without a committed offset starts with new records only',
    },
    examples: ['earliest', { timestamp: '2026-11-30T00:00:00Z' }, { offsets: { orders: { '0': 1200 } } }],
    variantLabels: { '{timestamp}': 'At a time', '{offsets}': 'Offsets' },
  });

/** `startFrom` as written in a flow file (after parsing). */
export type StartFrom = z.output<typeof startFromField>;

/** The config fields the start position is read from. */
export interface StartFromConfig {
  startFrom?: StartFrom;
  /** The older field: true is `earliest`, false is `latest`. */
  fromBeginning?: boolean;
  topic?: string;
  topics?: string[];
}

/**
 * The cross-field rules of `startFrom`, for the node's `superRefine`: not together with `fromBeginning`, and explicit
 * offsets only for the node's own topics.
 */
export function checkStartFrom(config: StartFromConfig, ctx: z.RefinementCtx): void {
  if (config.startFrom !== undefined && config.fromBeginning !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['fromBeginning'],
      message: 'give startFrom or fromBeginning, not both: fromBeginning true is startFrom earliest, false is latest; remove fromBeginning',
    });
  }
  const start = config.startFrom;
  if (typeof start === 'object' && 'offsets' in start) {
    const topics = new Set(config.topics ?? (config.topic === undefined ? [] : [config.topic]));
    for (const topic of Object.keys(start.offsets)) {
      if (!topics.has(topic)) {
        ctx.addIssue({ code: 'custom', path: ['startFrom', 'offsets', topic], message: `topic ${topic} is not read by this node (topic/topics)` });
      }
    }
  }
}
