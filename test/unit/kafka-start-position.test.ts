// startFrom of source.kafka: what the spec accepts and refuses (with the field path), how the start position is
// resolved from startFrom or the older fromBeginning, which offsets are committed before the consumer joins, and the
// reset targets of `tributary offsets reset` as text.
import { describe, expect, it } from 'vitest';
import { fallsBackToEarliest, planStartOffsets, resolveStartFrom } from '../../nodes/kafka-start-position.runtime';
import { parseStartTimestamp } from '../../nodes/kafka-start-position.spec';
import { kafkaSourceConfig } from '../../nodes/source/kafka.spec';
import { formatGroupOffsets, formatOffsetReset } from '../../runtime/offsets-command';

const base = { topic: 'orders', groupId: 'g' };

/** The issues of a config, as `path: message`. */
function issues(config: Record<string, unknown>): string[] {
  const parsed = kafkaSourceConfig.safeParse({ ...base, ...config });
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('startFrom in the source.kafka spec', () => {
  it('accepts the named positions, a timestamp (ISO 8601 with a zone or epoch ms) and explicit offsets', () => {
    for (const startFrom of ['committed', 'earliest', 'latest', { timestamp: '2026-11-30T00:00:00Z' }, { timestamp: '2026-11-30T01:00:00+01:00' }, { timestamp: 1_764_460_800_000 }]) {
      expect(issues({ startFrom })).toEqual([]);
    }
    const parsed = kafkaSourceConfig.parse({ ...base, startFrom: { offsets: { orders: { '0': 12, '3': 0 } } } });
    expect(parsed.startFrom).toEqual({ offsets: { orders: { '0': 12, '3': 0 } }, otherPartitions: 'earliest' });
    expect(kafkaSourceConfig.parse(base).startFrom).toBeUndefined();
  });

  it('refuses startFrom together with fromBeginning, naming the fix', () => {
    expect(issues({ startFrom: 'earliest', fromBeginning: true })).toEqual([
      'fromBeginning: give startFrom or fromBeginning, not both: fromBeginning true is startFrom earliest, false is latest; remove fromBeginning',
    ]);
  });

  it('refuses a time without a zone, an unknown position, negative offsets and offsets of a topic the node does not read', () => {
    expect(issues({ startFrom: { timestamp: '2026-11-30 00:00' } }).length).toBeGreaterThan(0);
    expect(issues({ startFrom: { timestamp: '2026-11-30T00:00:00' } }).length).toBeGreaterThan(0);
    expect(issues({ startFrom: 'beginning' }).length).toBeGreaterThan(0);
    expect(issues({ startFrom: { offsets: { orders: { '0': -1 } } } }).length).toBeGreaterThan(0);
    expect(issues({ startFrom: { offsets: { orders: { first: 1 } } } }).length).toBeGreaterThan(0);
    expect(issues({ startFrom: { offsets: { refunds: { '0': 1 } } } })).toEqual(['startFrom.offsets.refunds: topic refunds is not read by this node (topic/topics)']);
  });
});

describe('resolveStartFrom', () => {
  it('reads startFrom, else fromBeginning, else committed', () => {
    expect(resolveStartFrom({})).toEqual({ kind: 'committed' });
    expect(resolveStartFrom({ fromBeginning: true })).toEqual({ kind: 'earliest' });
    expect(resolveStartFrom({ fromBeginning: false })).toEqual({ kind: 'latest' });
    expect(resolveStartFrom({ startFrom: 'latest' })).toEqual({ kind: 'latest' });
    expect(resolveStartFrom({ startFrom: { timestamp: '2026-11-30T00:00:00Z' } })).toEqual({ kind: 'timestamp', timestamp: Date.UTC(2026, 10, 30) });
    expect(resolveStartFrom({ startFrom: { timestamp: 5 } })).toEqual({ kind: 'timestamp', timestamp: 5 });
    expect(resolveStartFrom({ startFrom: { offsets: { orders: { '2': 7 } }, otherPartitions: 'latest' } })).toEqual({
      kind: 'offsets',
      offsets: new Map([['orders', new Map([[2, 7]])]]),
      otherPartitions: 'latest',
    });
  });

  it('lets partitions left without an offset fall back to earliest for earliest, a timestamp and offsets with otherPartitions earliest', () => {
    expect(fallsBackToEarliest({ kind: 'committed' })).toBe(false);
    expect(fallsBackToEarliest({ kind: 'latest' })).toBe(false);
    expect(fallsBackToEarliest({ kind: 'earliest' })).toBe(true);
    expect(fallsBackToEarliest({ kind: 'timestamp', timestamp: 0 })).toBe(true);
    expect(fallsBackToEarliest({ kind: 'offsets', offsets: new Map(), otherPartitions: 'earliest' })).toBe(true);
    expect(fallsBackToEarliest({ kind: 'offsets', offsets: new Map(), otherPartitions: 'latest' })).toBe(false);
  });
});

describe('parseStartTimestamp', () => {
  it('reads ISO 8601 with a zone and epoch ms (number or digits), nothing else', () => {
    expect(parseStartTimestamp('2026-11-30T00:00:00Z')).toBe(Date.UTC(2026, 10, 30));
    expect(parseStartTimestamp('2026-11-30T00:00:00.250+01:00')).toBe(Date.UTC(2026, 10, 29, 23, 0, 0, 250));
    expect(parseStartTimestamp('1764460800000')).toBe(1_764_460_800_000);
    expect(parseStartTimestamp(0)).toBe(0);
    for (const bad of ['2026-11-30', '2026-11-30T00:00:00', 'yesterday', '', -1, 1.5, null]) expect(parseStartTimestamp(bad)).toBeUndefined();
  });
});

describe('planStartOffsets', () => {
  it('sets only the partitions without a committed offset: committed offsets always win', () => {
    const committed = new Map([['orders', new Map([[0, 40], [1, -1]])]]);
    const targets = new Map([
      ['orders', new Map([[2, 9], [0, 10], [1, 11]])],
      ['refunds', new Map([[0, 3]])],
    ]);
    expect(planStartOffsets(committed, targets)).toEqual([
      { topic: 'orders', partition: 1, offset: 11 },
      { topic: 'orders', partition: 2, offset: 9 },
      { topic: 'refunds', partition: 0, offset: 3 },
    ]);
    expect(planStartOffsets(new Map([['orders', new Map([[0, 0]])]]), new Map([['orders', new Map([[0, 5]])]]))).toEqual([]);
  });
});

describe('offsets command output', () => {
  it('shows a group as a table with - for partitions without a committed offset', () => {
    const text = formatGroupOffsets({
      groupId: 'g',
      state: 'Empty',
      members: 0,
      partitions: [
        { topic: 'orders', partition: 0, committed: 120, logStart: 0, logEnd: 150, lag: 30 },
        { topic: 'orders', partition: 1, committed: null, logStart: 4, logEnd: 4, lag: null },
      ],
    });
    expect(text.split('\n')).toEqual([
      'group g: Empty, 0 active member(s)',
      'TOPIC   PARTITION  COMMITTED  LOG-START  LOG-END  LAG',
      'orders  0          120        0          150      30',
      'orders  1          -          4          4        -',
      '',
    ]);
  });

  it('prints what a reset moved and how many records are processed again, only the partitions that move', () => {
    const reset = {
      groupId: 'g',
      again: 30,
      applied: true,
      moves: [
        { topic: 'orders', partition: 0, from: 150, to: 120, again: 30 },
        { topic: 'orders', partition: 1, from: 4, to: 4, again: 0 },
      ],
    };
    expect(formatOffsetReset(reset).split('\n')).toEqual([
      'group g: moved 1 partition(s); 30 record(s) will be processed again by the next run',
      'TOPIC   PARTITION  FROM  TO   AGAIN',
      'orders  0          150   120  30',
      '',
    ]);
    expect(formatOffsetReset({ ...reset, applied: false }).split('\n')[0]).toBe(
      'group g: would move (dry run, nothing changed) 1 partition(s); 30 record(s) will be processed again by the next run',
    );
  });
});
