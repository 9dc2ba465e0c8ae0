// sink.redis xadd with id from-offset against the real local Redis: entry ids come from the Kafka offset, so a replayed
// batch is refused by Redis and counted as already written (not an error), a partly written batch is completed, the
// records of one offset (a flatten's elements) get ids of their own, and a second partition into one stream is refused.
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../runtime/engine/types';
import { redisSinkRuntime } from '../../nodes/sink/redis.runtime';
import { redisSinkSpec } from '../../nodes/sink/redis.spec';
import { redisUrl } from '../support/services';
import { redisTestScope } from '../support/redis-scope';
import { testNodeContext } from '../support/node-context';

const { redis, prefix, P, track } = redisTestScope('redis-xadd-ids');

/** An opened `sink.redis` xadd with id from-offset into `<prefix><name>:<partition>`, and its counters. */
async function streamSink(name: string, key = `${P} + ${JSON.stringify(`${name}:`)} + meta.partition`) {
  if (redisSinkRuntime.kind !== 'sink') throw new Error('sink.redis is not a sink runtime');
  const ctx = testNodeContext('stream', redisSinkSpec);
  const config = redisSinkSpec.config.parse({ url: redisUrl, command: 'xadd', key, id: 'from-offset' });
  const sink = await redisSinkRuntime.create(config, ctx);
  track(sink);
  await sink.open!();
  return { sink, counters: ctx.counters };
}

/** A record read from `orders` partition `partition` at `offset`. */
function record(partition: number, offset: number, value: Record<string, unknown>): FlowRecord {
  return { key: null, value, headers: {}, timestamp: 1_700_000_000_000, meta: { source: 'orders', topic: 'orders', partition, offset: String(offset) } };
}

/** Ids and fields of every entry of a stream. */
async function entries(stream: string): Promise<[string, string[]][]> {
  return (await redis.xrange(stream, '-', '+')) as [string, string[]][];
}

describe('sink.redis xadd id from-offset', () => {
  it('ids are <offset+1>-<n>; a replay of the batch is refused by Redis and counted as already written', async () => {
    const { sink, counters } = await streamSink('replay');
    const batch = [record(0, 0, { n: 0 }), record(0, 1, { n: 1 }), record(0, 2, { n: 2 })];
    expect(await sink.write(batch)).toEqual([]);
    expect(await entries(`${prefix}replay:0`)).toEqual([
      ['1-0', ['n', '0']],
      ['2-0', ['n', '1']],
      ['3-0', ['n', '2']],
    ]);
    expect(counters.get('alreadyWritten')).toBe(0);

    // The same records again, as after a crash before the offset commit: nothing added, no rejection.
    expect(await sink.write(batch)).toEqual([]);
    expect(await redis.xlen(`${prefix}replay:0`)).toBe(3);
    expect(counters.get('alreadyWritten')).toBe(3);

    // A fresh sink (the restarted runtime) replaying from offset 1 with two new records: only the new ones land.
    const restarted = await streamSink('replay');
    expect(await restarted.sink.write([record(0, 1, { n: 1 }), record(0, 2, { n: 2 }), record(0, 3, { n: 3 }), record(0, 4, { n: 4 })])).toEqual([]);
    expect((await entries(`${prefix}replay:0`)).map(([id]) => id)).toEqual(['1-0', '2-0', '3-0', '4-0', '5-0']);
    expect(restarted.counters.get('alreadyWritten')).toBe(2);
  });

  it('the records of one offset (a flatten) get ids -0, -1, ...; a replay of them is refused as a whole', async () => {
    const { sink, counters } = await streamSink('fanout');
    const batch = [record(3, 10, { item: 'a' }), record(3, 10, { item: 'b' }), record(3, 10, { item: 'c' }), record(3, 11, { item: 'd' })];
    expect(await sink.write(batch)).toEqual([]);
    expect((await entries(`${prefix}fanout:3`)).map(([id]) => id)).toEqual(['11-0', '11-1', '11-2', '12-0']);
    expect(await sink.write(batch)).toEqual([]);
    expect(await redis.xlen(`${prefix}fanout:3`)).toBe(4);
    expect(counters.get('alreadyWritten')).toBe(4);
  });

  it('offsets beyond 2^53 keep every digit', async () => {
    const { sink } = await streamSink('big');
    const huge = { key: null, value: { n: 1 }, headers: {}, timestamp: 0, meta: { source: 'orders', topic: 'orders', partition: 0, offset: '9007199254740993' } };
    expect(await sink.write([huge])).toEqual([]);
    expect((await entries(`${prefix}big:0`)).map(([id]) => id)).toEqual(['9007199254740994-0']);
  });

  it('a second partition into the same stream, and a record without an offset, go to error (E_SINK) naming why', async () => {
    const { sink } = await streamSink('mixed', `${P} + 'mixed'`);
    const noOffset: FlowRecord = { key: null, value: { n: 9 }, headers: {}, timestamp: 0, meta: { source: 'gen' } };
    expect(await sink.write([record(0, 5, { n: 5 }), record(1, 2, { n: 2 }), noOffset])).toEqual([
      {
        index: 1,
        code: 'E_SINK',
        message:
          `xadd id from-offset: stream ${prefix}mixed already takes partition orders/0, not orders/1; ids of two partitions ` +
          "cannot both increase in one stream: put meta.partition in the key, e.g. 'events:' + meta.partition",
      },
      { index: 2, code: 'E_SINK', message: 'xadd id from-offset needs a record from source.kafka (meta.partition and meta.offset); this one has none' },
    ]);
    expect((await entries(`${prefix}mixed`)).map(([id]) => id)).toEqual(['6-0']);
  });

  it('id auto still appends a replay again (what from-offset prevents)', async () => {
    if (redisSinkRuntime.kind !== 'sink') throw new Error('sink.redis is not a sink runtime');
    const config = redisSinkSpec.config.parse({ url: redisUrl, command: 'xadd', key: `${P} + 'auto'` });
    const sink = await redisSinkRuntime.create(config, testNodeContext('auto', redisSinkSpec));
    track(sink);
    const batch = [record(0, 0, { n: 0 }), record(0, 1, { n: 1 })];
    expect(await sink.write(batch)).toEqual([]);
    expect(await sink.write(batch)).toEqual([]);
    expect(await redis.xlen(`${prefix}auto`)).toBe(4);
  });
});
