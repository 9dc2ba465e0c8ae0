// transform.dedupe with its in-memory LRU store: first records pass, repeats within ttlMs go to `duplicate`, replays of
// the same source position pass again, the LRU bound forgets the least recently seen keys.
import { describe, expect, it } from 'vitest';
import type { FlowRecord, TransformRuntime } from '../../runtime/engine/types';
import { noHold, testNodeContext } from '../../test/support/node-context';
import { createDedupeTransform, recordPosition } from './dedupe.runtime';
import { dedupeTransformSpec } from './dedupe.spec';

function create(config: Record<string, unknown>): TransformRuntime {
  return createDedupeTransform(dedupeTransformSpec.config.parse(config), testNodeContext('dd', dedupeTransformSpec));
}

function rec(key: string | null, value: unknown = {}, offset: string | undefined = undefined, partition = 0): FlowRecord {
  return { key, value, headers: {}, timestamp: 0, meta: offset === undefined ? { source: 'gen' } : { source: 'src', topic: 't', partition, offset } };
}

const keys = (records: FlowRecord[] | undefined): unknown[] => (records ?? []).map((r) => [r.key, r.value]);

describe('transform.dedupe (memory store)', () => {
  it('passes the first record of a key and sends repeats to duplicate, within and across batches', async () => {
    const d = create({});
    const first = await d.process([rec('a', 1), rec('b', 2), rec('a', 3), rec(null, 4), rec(null, 5)], noHold);
    expect(keys(first.out)).toEqual([
      ['a', 1],
      ['b', 2],
      [null, 4],
      [null, 5],
    ]);
    expect(keys(first.duplicate)).toEqual([['a', 3]]);
    const second = await d.process([rec('b', 6), rec('c', 7)], noHold);
    expect(keys(second.out)).toEqual([['c', 7]]);
    expect(keys(second.duplicate)).toEqual([['b', 6]]);
    await d.close?.();
  });

  it('uses the key expression: strings as-is, other values as JSON (so 1 and "1" are the same key); a throwing expression sends the record to error', async () => {
    const d = create({ key: 'value.id' });
    const out = await d.process([rec('x', { id: 1 }), rec('y', { id: '1' }), rec('z', { id: 1 }), rec('w', null), rec('v', { id: { a: 1 } }), rec('u', { id: { a: 1 } })], noHold);
    expect(keys(out.out)).toEqual([
      ['x', { id: 1 }],
      ['v', { id: { a: 1 } }],
    ]);
    expect(keys(out.duplicate)).toEqual([
      ['y', { id: '1' }],
      ['z', { id: 1 }],
      ['u', { id: { a: 1 } }],
    ]);
    expect(out.error!.map((r) => [r.key, r.error!.code])).toEqual([['w', 'E_EXPRESSION_RUNTIME']]);
    expect(out.error![0]!.error!.message).toMatch(/^key threw: /);
  });

  it('lets a replay of the same source position pass again (at-least-once), but not the same key at another offset', async () => {
    const d = create({});
    expect(keys((await d.process([rec('a', 1, '10'), rec('b', 2, '11')], noHold)).out)).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    const replay = await d.process([rec('a', 1, '10'), rec('b', 2, '11'), rec('a', 3, '12'), rec('b', 4, '11', 1)], noHold);
    expect(keys(replay.out)).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(keys(replay.duplicate)).toEqual([
      ['a', 3],
      ['b', 4],
    ]);
    expect(recordPosition(rec('a', 1, '12', 3))).toBe('src/t/3@12');
    expect(recordPosition(rec('a'))).toBeUndefined();
  });

  it('forgets a key after ttlMs', async () => {
    const d = create({ ttlMs: 40 });
    await d.process([rec('a')], noHold);
    expect(keys((await d.process([rec('a', 2)], noHold)).duplicate)).toEqual([['a', 2]]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(keys((await d.process([rec('a', 3)], noHold)).out)).toEqual([['a', 3]]);
  });

  it('remembers at most maxEntries keys, forgetting the least recently seen first', async () => {
    const d = create({ maxEntries: 2 });
    await d.process([rec('a'), rec('b')], noHold);
    await d.process([rec('a', 'again')], noHold); // 'a' seen again: now the most recent
    const out = await d.process([rec('c'), rec('b', 'b2'), rec('a', 'a3')], noHold);
    // 'c' pushes out 'b' (least recently seen), so 'b' is new again and pushes out 'a', which is new again too.
    expect(keys(out.out)).toEqual([
      ['c', {}],
      ['b', 'b2'],
      ['a', 'a3'],
    ]);
  });

  it('applies its defaults', () => {
    expect(dedupeTransformSpec.config.parse({})).toEqual({ key: 'key', ttlMs: 600_000, store: 'memory', maxEntries: 100_000, url: 'redis://127.0.0.1:6379' });
    expect(dedupeTransformSpec.config.safeParse({ ttlMs: 0 }).success).toBe(false);
  });

  it('refuses a malformed key expression when created', () => {
    expect(() => create({ key: 'value.' })).toThrow(expect.objectContaining({ code: 'E_EXPRESSION', nodeId: 'dd' }));
  });
});
