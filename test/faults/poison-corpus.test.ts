// A poison corpus on the real broker: non-JSON text, invalid UTF-8, tombstones, empty values, 10,000-deep nesting,
// 900 KB values and bare scalars between ordinary records, read by `tributary run` (source.kafka, format json) with
// `out` to a sink topic and `error` to a dead-letter topic. Every produced record is accounted for in exactly one of
// the two, the undecodable ones in the dead-letter topic with E_DECODE, and the run keeps going. A value nested 10,000
// deep is refused at decoding (no sink could write it again: JSON.stringify runs out of stack; the limit is
// MAX_JSON_DEPTH of runtime/common/json-parse.ts), so it too reaches the dead-letter topic with E_DECODE.
import { afterEach, describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS } from '../../nodes/sink/kafka.spec';
import { createTopic, kafkaBrokers, testKafka, uniqueName } from '../support/services';
import { killAllCli, tempDir, waitFor, writeFlow } from '../support/runtime';
import { joined, reportReliability, runFlow, stopRun, waitForRun } from '../support/fault-pipeline';

/**
 * The kinds of record in the corpus, how many of each, their value, where they must end up and, in the dead-letter
 * topic, with which error code (undefined: any).
 */
const KINDS: { kind: string; count: number; value: (i: number) => Buffer | null; to: 'sink' | 'dlq'; code?: string }[] = [
  { kind: 'ordinary', count: 1000, value: (i) => Buffer.from(JSON.stringify({ id: i, ok: true })), to: 'sink' },
  { kind: 'non-json', count: 200, value: (i) => Buffer.from(`not json ${i} {`), to: 'dlq', code: 'E_DECODE' },
  { kind: 'invalid-utf8', count: 200, value: (i) => Buffer.concat([Buffer.from(`{"id":${i},"n":"bad `), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), to: 'dlq', code: 'E_DECODE' },
  { kind: 'tombstone', count: 200, value: () => null, to: 'sink' },
  { kind: 'empty', count: 200, value: () => Buffer.alloc(0), to: 'dlq', code: 'E_DECODE' },
  { kind: 'deep-10000', count: 5, value: () => Buffer.from('['.repeat(10_000) + ']'.repeat(10_000)), to: 'dlq', code: 'E_DECODE' },
  { kind: 'value-900kb', count: 5, value: (i) => Buffer.from(JSON.stringify({ id: i, pad: 'x'.repeat(900 * 1024) })), to: 'sink' },
  { kind: 'bare-scalar', count: 200, value: (i) => Buffer.from(['42', 'true', '"text"', 'null', '-1.5e300'][i % 5]!), to: 'sink' },
];

/** Produces the corpus to `topic`, kinds interleaved, key `<kind>-<i>`; large values one per request. */
async function produceCorpus(topic: string): Promise<number> {
  const messages: { key: string; value: Buffer | null }[] = [];
  for (const { kind, count, value } of KINDS) for (let i = 0; i < count; i++) messages.push({ key: `${kind}-${i}`, value: value(i) });
  // Interleave deterministically so that every batch mixes kinds.
  messages.sort((a, b) => hash(a.key) - hash(b.key));
  const producer = testKafka('tributary-test-poison').producer();
  await producer.connect();
  try {
    let small: typeof messages = [];
    for (const message of messages) {
      if ((message.value?.length ?? 0) > 100_000) {
        await producer.send({ topic, messages: [message] });
      } else {
        small.push(message);
        if (small.length === 500) {
          await producer.send({ topic, messages: small });
          small = [];
        }
      }
    }
    if (small.length > 0) await producer.send({ topic, messages: small });
  } finally {
    await producer.disconnect();
  }
  return messages.length;
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** What was read from one topic: key -> dead-letter error code ('' for none), and how many messages in all. */
interface Received {
  seen: Map<string, string>;
  messages: number;
}

/** Starts reading `topic` from the beginning into `into`; returns its stop. */
async function readTopic(topic: string, into: Received): Promise<() => Promise<void>> {
  const consumer = testKafka('tributary-test-poison-read').consumer({ groupId: uniqueName('poison-read'), maxBytesPerPartition: 2 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const key = message.key?.toString() ?? '(no key)';
      into.seen.set(key, message.headers?.[DEAD_LETTER_HEADERS.code]?.toString() ?? '');
      into.messages++;
    },
  });
  return () => consumer.disconnect();
}

describe('poison corpus', () => {
  afterEach(killAllCli);

  it('every record lands in the sink topic or the dead-letter topic, exactly once between them', async () => {
    const input = uniqueName('faults-poison');
    const output = `${input}-out`;
    const dlq = `${input}-dlq`;
    await createTopic(input, 3);
    await createTopic(output, 1);
    await createTopic(dlq, 1);
    const produced = await produceCorpus(input);
    const flowFile = writeFlow(tempDir('tributary-faults-poison-'), 'poison.flow.yaml', {
      version: 1,
      name: 'poison',
      nodes: [
        { id: 'in', type: 'source.kafka', config: { brokers: kafkaBrokers, topic: input, groupId: `${input}-group`, fromBeginning: true } },
        { id: 'good', type: 'sink.kafka', config: { brokers: kafkaBrokers, topic: output } },
        { id: 'dead', type: 'sink.kafka', config: { brokers: kafkaBrokers, topic: dlq } },
        { id: 'unwritable', type: 'sink.kafka', config: { brokers: kafkaBrokers, topic: dlq, value: "'the value could not be encoded'" } },
      ],
      edges: [
        { from: 'in', to: 'good' },
        { from: 'in:error', to: 'dead' },
        { from: 'good:error', to: 'unwritable' },
      ],
    });
    const run = runFlow(flowFile);
    await waitFor('the run to join its group', () => joined(run), 60_000, 100);

    const sink: Received = { seen: new Map(), messages: 0 };
    const dead: Received = { seen: new Map(), messages: 0 };
    const inSink = sink.seen;
    const inDlq = dead.seen;
    const total = (): number => inSink.size + inDlq.size;
    const closeSink = await readTopic(output, sink);
    const closeDlq = await readTopic(dlq, dead);
    try {
      await waitForRun(run, `${produced} records in the sink and dead-letter topics`, () => total() >= produced, 120_000);
      // A moment for anything produced twice to show up as well.
      await new Promise((resolve) => setTimeout(resolve, 2000));
    } finally {
      await closeSink();
      await closeDlq();
    }
    expect(run.child.exitCode).toBeNull();
    expect(await stopRun(run, 'SIGTERM')).toBe(0);

    const byKind: Record<string, { produced: number; sink: number; dlq: number; codes: string[] }> = {};
    const misplaced: string[] = [];
    for (const { kind, count, to, code } of KINDS) {
      const row = (byKind[kind] = { produced: count, sink: 0, dlq: 0, codes: [] as string[] });
      for (let i = 0; i < count; i++) {
        const key = `${kind}-${i}`;
        if (inSink.has(key)) row.sink++;
        if (inDlq.has(key)) {
          row.dlq++;
          const seen = inDlq.get(key)!;
          if (!row.codes.includes(seen)) row.codes.push(seen);
          if (code !== undefined && seen !== code) misplaced.push(`${key}: dead-letter code ${seen}, not ${code}`);
        }
        if ((to === 'sink' ? inSink : inDlq).has(key) === false) misplaced.push(`${key}: not in the ${to}`);
      }
    }
    reportReliability('poison corpus', 'every record in the sink or the dead-letter topic: sink + dlq = produced', {
      produced,
      sink: inSink.size,
      dlq: inDlq.size,
      messagesRead: sink.messages + dead.messages,
      byKind,
      misplaced: misplaced.length,
    });
    expect(misplaced).toEqual([]);
    expect(inSink.size + inDlq.size).toBe(produced);
    // No fault in this run, so nothing is produced twice either.
    expect(sink.messages + dead.messages).toBe(produced);
  });
});
