// transform.window across a kill -9, on the real broker and on a real Redis stream: a window that closed before the
// crash, whose records straddle the committed offset (the XACKed prefix), is not emitted again with a partial aggregate
// after the restart, because the window's checkpoint travels with the commit (Kafka offset metadata; a Redis hash
// written in the same MULTI as the XACK).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../runtime/engine/checkpoint';
import { createTopic, kafkaBrokers, redisUrl, testKafka, testRedis, uniqueName } from '../support/services';
import { killAllCli, startCli, tempDir, waitFor, writeFlow } from '../support/runtime';

/** Produces JSON values to partition 0 of `topic`, in order. */
async function produce(topic: string, values: unknown[]): Promise<void> {
  const producer = testKafka('tributary-test-window').producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: values.map((v) => ({ partition: 0, value: JSON.stringify(v) })) });
  } finally {
    await producer.disconnect();
  }
}

/** The committed offset and decoded checkpoint metadata of partition 0. */
async function committed(groupId: string, topic: string): Promise<{ offset: string; checkpoint: Record<string, unknown> | undefined }> {
  const admin = testKafka('tributary-test-window-admin').admin();
  await admin.connect();
  try {
    const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const p = result!.partitions.find((x) => x.partition === 0)!;
    return { offset: p.offset, checkpoint: decodeCheckpoint(p.metadata) };
  } finally {
    await admin.disconnect();
  }
}

/** The window of both tests: count and sum per `value.k` over tumbling 1 s windows on `value.at`. */
const windowNode = {
  id: 'win',
  type: 'transform.window',
  config: {
    keyBy: 'value.k',
    sizeMs: 1000,
    timestampExpression: 'value.at',
    aggregates: [
      { name: 'n', op: 'count' },
      { name: 'sum', op: 'sum', expression: 'value.x' },
    ],
  },
};

/** Window a [0, 1000) straddles the first two batches; the second also opens window b [1000, 2000). */
const SEED = [
  { k: 'a', at: 100, x: 1 },
  { k: 'a', at: 200, x: 2 },
  { k: 'a', at: 900, x: 4 },
  { k: 'b', at: 1500, x: 8 },
];
/** Closes window b. */
const LATER = { k: 'c', at: 2600, x: 16 };
const COMPLETE_A = { key: 'a', windowStart: 0, windowEnd: 1000, n: 3, sum: 7 };
const COMPLETE_B = { key: 'b', windowStart: 1000, windowEnd: 2000, n: 1, sum: 8 };

const ready = (run: { output: { stdout: string; stderr: string } }): boolean =>
  run.output.stdout.includes('all sources ready') || run.output.stderr.includes('all sources ready');

const lines = (path: string): unknown[] =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as unknown)
    : [];

describe('transform.window restart', () => {
  afterEach(killAllCli);

  it('does not emit a window acknowledged before a kill -9 again after the restart; open windows are rebuilt', async () => {
    const dir = tempDir('tributary-window-');
    const topic = uniqueName('rt-window');
    const groupId = `${topic}-group`;
    const out = join(dir, 'windows.jsonl');
    await createTopic(topic, 1);
    const flowFile = writeFlow(dir, 'window.flow.yaml', {
      version: 1,
      name: 'window-restart',
      // Chunks of two records: A = offsets 0-1, B = offsets 2-3.
      settings: { batchSize: 2 },
      nodes: [
        // The shortest session the broker allows: the restarted member need not wait long for the killed one to expire.
        { id: 'in', type: 'source.kafka', config: { brokers: kafkaBrokers, topic, groupId, fromBeginning: true, sessionTimeoutMs: 6000 } },
        windowNode,
        { id: 'out', type: 'sink.file', config: { path: out } },
      ],
      edges: [
        { from: 'in', to: 'win' },
        { from: 'win', to: 'out' },
      ],
    });
    // Window a [0, 1000) straddles A and B; B also opens window b [1000, 2000), which stays open and keeps B held.
    await produce(topic, SEED);
    const first = startCli(['run', flowFile]);
    await waitFor('window a in the file', () => lines(out).length === 1, 60_000);
    expect(lines(out)).toEqual([COMPLETE_A]);
    // A is committed, B is not (window b holds it); the commit carries the window's checkpoint: the watermark at
    // offset 2 (200) and the acknowledged watermark (1500: window a's result was acknowledged).
    await waitFor('the commit of A with its checkpoint', async () => (await committed(groupId, topic)).offset === '2', 30_000);
    expect((await committed(groupId, topic)).checkpoint).toEqual({ win: { w: 200, a: 1500 } });
    first.child.kill('SIGKILL');
    await first.exited;

    // The restart replays B: window a is rebuilt from offset 2 only and must not be emitted again; window b is rebuilt
    // and closes when a later record moves the watermark.
    const second = startCli(['run', flowFile]);
    await waitFor('the restarted runtime to join', () => ready(second), 60_000);
    await produce(topic, [LATER]);
    await waitFor('window b in the file', () => lines(out).length >= 2, 60_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(lines(out)).toEqual([COMPLETE_A, COMPLETE_B]);
    // Window c [2000, 3000) is open: its offset (4) is not committed.
    expect(await committed(groupId, topic)).toEqual({ offset: '4', checkpoint: { win: { w: 1500, a: 2600 } } });
  });

  it('does the same for a Redis stream: the checkpoint is written with the XACK and read back at start', async () => {
    const dir = tempDir('tributary-window-');
    const stream = `${uniqueName('window-stream')}`;
    const group = 'windows';
    const out = join(dir, 'windows.jsonl');
    const redis = testRedis();
    const checkpointKey = `tributary:checkpoint:${group}:${stream}`;
    try {
      const ids: string[] = [];
      for (const v of SEED) ids.push((await redis.xadd(stream, '*', 'data', JSON.stringify(v)))!);
      const flowFile = writeFlow(dir, 'stream-window.flow.yaml', {
        version: 1,
        name: 'stream-window-restart',
        // Reads of two entries: the first two, then the next two.
        settings: { batchSize: 2 },
        nodes: [
          { id: 'in', type: 'source.redis-stream', config: { url: redisUrl, streams: [stream], group, consumer: 'c1', startId: '0', valueField: 'data', blockMs: 100 } },
          windowNode,
          { id: 'out', type: 'sink.file', config: { path: out } },
        ],
        edges: [
          { from: 'in', to: 'win' },
          { from: 'win', to: 'out' },
        ],
      });
      const first = startCli(['run', flowFile]);
      await waitFor('window a in the file', () => lines(out).length === 1, 60_000);
      expect(lines(out)).toEqual([COMPLETE_A]);
      // The first read is XACKed with the checkpoint; the second stays pending (window b holds it).
      const saved = async (): Promise<{ offset: string; checkpoint: unknown }> => {
        const text = await redis.hget(checkpointKey, 'c1');
        const parsed = JSON.parse(text ?? '{}') as { offset?: string; metadata?: string };
        return { offset: parsed.offset ?? '', checkpoint: decodeCheckpoint(parsed.metadata) };
      };
      await waitFor('the checkpoint of the first read', async () => (await saved()).offset === ids[2], 30_000);
      expect((await saved()).checkpoint).toEqual({ win: { w: 200, a: 1500 } });
      expect(((await redis.xpending(stream, group)) as [number])[0]).toBe(2);
      first.child.kill('SIGKILL');
      await first.exited;

      // The restart re-reads the two pending entries: window a is not emitted again, window b is rebuilt.
      const second = startCli(['run', flowFile]);
      await waitFor('the restarted runtime', () => ready(second), 60_000);
      await redis.xadd(stream, '*', 'data', JSON.stringify(LATER));
      await waitFor('window b in the file', () => lines(out).length >= 2, 60_000);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      expect(lines(out)).toEqual([COMPLETE_A, COMPLETE_B]);
      expect(((await redis.xpending(stream, group)) as [number])[0]).toBe(1);
    } finally {
      await redis.del(stream, checkpointKey);
      await redis.quit();
    }
  });
});
