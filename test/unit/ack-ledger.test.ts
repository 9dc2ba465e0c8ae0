// The acknowledgement ledger: chunks released in delivery order per lane whatever the order of acknowledgements, one
// delivery across lanes, a chunk never acknowledged, commit positions and their marks, lanes dropped by a rebalance.
import { describe, expect, it } from 'vitest';
import { AckLedger } from '../../runtime/engine/ack-ledger';

/** A Kafka-style ledger: items are last offsets, the commit position is last offset + 1. */
function kafkaLedger(): AckLedger<string, number> {
  return new AckLedger<string, number>({ positionAfter: (last) => Number(last) + 1, compare: (a, b) => a - b });
}

describe('AckLedger', () => {
  it('releases the contiguous acknowledged prefix in delivery order when acknowledgements come out of order', () => {
    const ledger = kafkaLedger();
    const a = ledger.deliver('t:0', '9');
    const b = ledger.deliver('t:0', '19');
    const c = ledger.deliver('t:0', '29');
    expect(ledger.pending('t:0')).toBe(3);
    expect(ledger.acknowledge(c)).toEqual([]);
    expect(ledger.acknowledge(b)).toEqual([]);
    expect(ledger.position('t:0')).toBeUndefined();
    expect(ledger.oldest('t:0')).toBe('9');
    expect(ledger.acknowledge(a)).toEqual(['9', '19', '29']);
    expect(ledger.position('t:0')).toBe(30);
    expect(ledger.pending('t:0')).toBe(0);
    expect(ledger.oldest('t:0')).toBeUndefined();
    // A second acknowledgement of the same chunk releases nothing.
    expect(ledger.acknowledge(a)).toEqual([]);
  });

  it('fan-out: one delivery spanning several lanes releases each lane on its own', () => {
    const ledger = new AckLedger<string[], string>({ positionAfter: (ids) => ids[ids.length - 1]!, compare: (x, y) => x.localeCompare(y) });
    const firstOnA = ledger.deliver('a', ['1-0']);
    const both = [ledger.deliver('a', ['2-0', '2-1']), ledger.deliver('b', ['2-2'])];
    expect(both.map((t) => ledger.acknowledge(t))).toEqual([[], [['2-2']]]);
    expect(ledger.position('b')).toBe('2-2');
    expect(ledger.position('a')).toBeUndefined();
    expect(ledger.acknowledge(firstOnA)).toEqual([['1-0'], ['2-0', '2-1']]);
    expect(ledger.position('a')).toBe('2-1');
  });

  it('a chunk never acknowledged (failed delivery) holds back every later chunk of its lane, and only that lane', () => {
    const ledger = kafkaLedger();
    ledger.deliver('t:0', '4'); // its delivery failed: never acknowledged
    const later = ledger.deliver('t:0', '9');
    const other = ledger.deliver('t:1', '3');
    expect(ledger.acknowledge(later)).toEqual([]);
    expect(ledger.acknowledge(other)).toEqual(['3']);
    expect(ledger.position('t:0')).toBeUndefined();
    expect(ledger.oldest('t:0')).toBe('4');
    expect(ledger.uncommitted().map((l) => [l.lane, l.position])).toEqual([['t:1', 4]]);
  });

  it('lists lanes whose position moved since their last commit mark; positions never move back', () => {
    const ledger = kafkaLedger();
    ledger.acknowledge(ledger.deliver('t:0', '9'));
    ledger.acknowledge(ledger.deliver('t:1', '5'));
    const first = ledger.uncommitted();
    expect(first.map((l) => [l.lane, l.position])).toEqual([
      ['t:0', 10],
      ['t:1', 6],
    ]);
    first[0]!.markCommitted();
    expect(ledger.uncommitted().map((l) => l.lane)).toEqual(['t:1']);
    ledger.advance('t:0', 7);
    expect(ledger.position('t:0')).toBe(10);
    ledger.advance('t:0', 12);
    expect(ledger.uncommitted().map((l) => [l.lane, l.position])).toEqual([
      ['t:0', 12],
      ['t:1', 6],
    ]);
  });

  it('a dropped lane (partition revoked) forgets its chunks; acknowledging them later touches no new lane of that name', () => {
    const ledger = kafkaLedger();
    const old = ledger.deliver('t:0', '9');
    const kept = ledger.deliver('t:1', '9');
    ledger.retain((lane) => lane === 't:1');
    expect(ledger.pending('t:0')).toBe(0);
    const fresh = ledger.deliver('t:0', '4');
    expect(ledger.acknowledge(old)).toEqual([]);
    expect(ledger.position('t:0')).toBeUndefined();
    expect(ledger.acknowledge(fresh)).toEqual(['4']);
    expect(ledger.position('t:0')).toBe(5);
    expect(ledger.acknowledge(kept)).toEqual(['9']);
    // A commit mark taken before the lane was dropped does not mark the new lane.
    const stale = ledger.uncommitted().find((l) => l.lane === 't:0')!;
    ledger.retain(() => false);
    ledger.acknowledge(ledger.deliver('t:0', '2'));
    stale.markCommitted();
    expect(ledger.uncommitted().map((l) => [l.lane, l.position])).toEqual([['t:0', 3]]);
  });

  it('without positionAfter, releases leave the position to advance() (Redis: the highest id XACKed)', () => {
    const ledger = new AckLedger<string[], number>({ compare: (a, b) => a - b });
    expect(ledger.acknowledge(ledger.deliver('s', ['1-0', '2-0']))).toEqual([['1-0', '2-0']]);
    expect(ledger.position('s')).toBeUndefined();
    ledger.advance('s', 2);
    ledger.advance('s', 1);
    expect(ledger.position('s')).toBe(2);
  });

  it('keeps releasing in order over many chunks (its queue is compacted as it goes)', () => {
    const ledger = kafkaLedger();
    const tickets = Array.from({ length: 500 }, (_, i) => ledger.deliver('t:0', String(i)));
    let released: string[] = [];
    // Acknowledge every chunk but the last in pairs, the later one of each pair first.
    for (let i = 0; i + 1 < 499; i += 2) {
      expect(ledger.acknowledge(tickets[i + 1]!)).toEqual([]);
      released = released.concat(ledger.acknowledge(tickets[i]!));
    }
    released = released.concat(ledger.acknowledge(tickets[498]!));
    expect(released).toEqual(Array.from({ length: 499 }, (_, i) => String(i)));
    expect(ledger.oldest('t:0')).toBe('499');
    expect(ledger.position('t:0')).toBe(499);
    expect(ledger.acknowledge(tickets[499]!)).toEqual(['499']);
  });
});
