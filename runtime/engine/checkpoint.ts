/**
 * Checkpoints of stateful transforms, stored in the metadata string of a Kafka offset commit (OffsetCommit request,
 * `partitions[].metadata`), so that they travel with the committed offset to whichever group member resumes the
 * partition after a restart or a rebalance.
 *
 * Encoding: {@link CHECKPOINT_PREFIX} followed by a JSON object `{ "<node id>": <value> }`. Other metadata (written by
 * other tools, or empty) is not ours and decodes to undefined.
 */

/** Marks metadata written by Tributary, and its version. */
export const CHECKPOINT_PREFIX = 'tributary.checkpoint.v1:';

/**
 * Longest metadata string written (characters). The broker refuses longer metadata than `offset.metadata.max.bytes`
 * (4096 bytes by default, Apache Kafka broker configuration reference); the prefix and JSON stay ASCII for numbers.
 */
export const MAX_CHECKPOINT_LENGTH = 4_000;

/**
 * Encodes checkpoints by node id as commit metadata.
 * @returns the metadata string, or null when `values` is empty
 * @throws RangeError when the encoded string is longer than {@link MAX_CHECKPOINT_LENGTH} (the caller commits without it)
 */
export function encodeCheckpoint(values: Record<string, unknown>): string | null {
  if (Object.keys(values).length === 0) return null;
  const text = CHECKPOINT_PREFIX + JSON.stringify(values);
  if (text.length > MAX_CHECKPOINT_LENGTH) {
    throw new RangeError(`checkpoint metadata is ${text.length} characters; at most ${MAX_CHECKPOINT_LENGTH} fit in an offset commit`);
  }
  return text;
}

/**
 * Decodes commit metadata written by {@link encodeCheckpoint}.
 * @returns checkpoints by node id, or undefined for metadata that is absent, foreign or malformed
 */
export function decodeCheckpoint(metadata: string | null | undefined): Record<string, unknown> | undefined {
  if (metadata === null || metadata === undefined || !metadata.startsWith(CHECKPOINT_PREFIX)) return undefined;
  try {
    const value: unknown = JSON.parse(metadata.slice(CHECKPOINT_PREFIX.length));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    return value as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
