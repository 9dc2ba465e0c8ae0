// The commit-metadata codec of stateful transforms' checkpoints.
import { describe, expect, it } from 'vitest';
import { CHECKPOINT_PREFIX, decodeCheckpoint, encodeCheckpoint, MAX_CHECKPOINT_LENGTH } from '../../runtime/engine/checkpoint';

describe('checkpoint metadata', () => {
  it('round-trips checkpoints by node id behind a versioned prefix', () => {
    const text = encodeCheckpoint({ win: { w: 1200, a: null }, other: [1, 2] });
    expect(text).toBe(`${CHECKPOINT_PREFIX}{"win":{"w":1200,"a":null},"other":[1,2]}`);
    expect(decodeCheckpoint(text)).toEqual({ win: { w: 1200, a: null }, other: [1, 2] });
  });

  it('writes nothing for no checkpoints and refuses metadata the broker would refuse', () => {
    expect(encodeCheckpoint({})).toBeNull();
    expect(() => encodeCheckpoint({ big: 'x'.repeat(MAX_CHECKPOINT_LENGTH) })).toThrow(/at most 4000 fit in an offset commit/);
  });

  it('reads absent, foreign and malformed metadata as no checkpoint', () => {
    expect(decodeCheckpoint(null)).toBeUndefined();
    expect(decodeCheckpoint('')).toBeUndefined();
    expect(decodeCheckpoint('{"win":1}')).toBeUndefined();
    expect(decodeCheckpoint(`${CHECKPOINT_PREFIX}{"win":`)).toBeUndefined();
    expect(decodeCheckpoint(`${CHECKPOINT_PREFIX}[1]`)).toBeUndefined();
  });
});
