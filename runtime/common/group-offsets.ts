/**
 * The shapes of a consumer group's offsets and of a replay (an offset reset), shared by `tributary offsets`, the
 * studio backend (`runtime/kafka-offsets.ts` fills them) and the studio's "Replay from…" dialog. Browser-safe.
 * Offsets are Kafka record offsets (the next record to read); lags and counts are in records; times in epoch ms.
 */
import * as z from 'zod/mini';

/** One partition of a group's topics. */
export interface PartitionOffsets {
  topic: string;
  partition: number;
  /** The group's committed offset (the next record it reads), null when it never committed one. */
  committed: number | null;
  /** The oldest offset still kept. */
  logStart: number;
  /** The offset the next record written gets (high watermark). */
  logEnd: number;
  /** `logEnd - committed` records, null without a committed offset. */
  lag: number | null;
}

/** A group's state and offsets. */
export interface GroupOffsets {
  groupId: string;
  /** Kafka's group state: `Empty`, `Stable`, `PreparingRebalance`, `CompletingRebalance`, `Dead`. */
  state: string;
  /** Active members (running consumers). */
  members: number;
  /** In topic and partition order. */
  partitions: PartitionOffsets[];
}

/** Where a reset moves the group. `timestamp` in epoch ms; `offsets` entries without a topic apply to a single-topic node. */
export type ResetTarget =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'timestamp'; timestamp: number }
  | { kind: 'offsets'; offsets: { topic?: string; partition: number; offset: number }[] };

/** One partition a reset moves (or keeps: `from === to`). */
export interface OffsetMove {
  topic: string;
  partition: number;
  /** The committed offset before, null for none. */
  from: number | null;
  to: number;
  /** Records the next run processes again: `from - to` when the move goes back, else 0. */
  again: number;
}

/** A reset's plan (dry run) or outcome. */
export interface OffsetReset {
  groupId: string;
  /**
   * Every partition of the node's topics, in order (those that keep their offset too: `from === to`), except the ones
   * explicit offsets do not name that have no committed offset.
   */
  moves: OffsetMove[];
  /** Sum of `again` over the partitions. */
  again: number;
  /** False for a dry run. */
  applied: boolean;
}

const count = z.number().check(z.int(), z.gte(0));

/** Checks a {@link ResetTarget} where it is received (the studio API). */
export const resetTargetSchema: z.ZodMiniType<ResetTarget> = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('earliest') }),
    z.object({ kind: z.literal('latest') }),
    z.object({ kind: z.literal('timestamp'), timestamp: count }),
    z.object({ kind: z.literal('offsets'), offsets: z.array(z.object({ topic: z.optional(z.string()), partition: count, offset: count })) }),
  ],
  { error: 'give where to move the group: { kind: earliest | latest | timestamp | offsets }' },
) as z.ZodMiniType<ResetTarget>;
