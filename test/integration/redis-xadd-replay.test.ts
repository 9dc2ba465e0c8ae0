// A replay through the whole runtime on the real broker and Redis: source.kafka (3 partitions) into two sink.redis xadd
// nodes, one with id from-offset (a stream per partition) and one with id auto. The flow runs to the end, its group is
// moved back to the earliest offsets (`tributary offsets reset`), and it runs to the end again: the from-offset streams
// hold every record once, with ids <offset+1>-0, while the auto streams hold every record twice (the replay the test
// makes, seen by the sink that cannot refuse it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisTestScope } from '../support/redis-scope';
import { adminOffsets, produceAt, range } from '../support/replay';
import { killAllCli, runCli, startCli, tempDir, waitFor, writeFlow } from '../support/runtime';
import { createTopic, kafkaBrokers, redisUrl, uniqueName } from '../support/services';

const COUNT = 300;
const PARTITIONS = 3;
const topic = uniqueName('xadd-replay');
const groupId = uniqueName('xadd-replay-group');
const { redis, prefix, P } = redisTestScope('xadd-replay');
let file: string;

/** Runs the flow until its group committed every record, then stops it with SIGTERM (exit 0). */
async function runToEnd(): Promise<void> {
  const run = startCli(['run', file]);
  await waitFor('every record committed', async () => {
    if (typeof (await Promise.race([run.exited, Promise.resolve('running')])) === 'number') throw new Error(`run exited:\n${run.output.stderr}`);
    return (await adminOffsets(groupId, topic)).every((p) => p.committed === p.logEnd);
  }, 120_000);
  run.child.kill('SIGTERM');
  expect(await run.exited, run.output.stderr).toBe(0);
}

/** Entry ids of the stream `<prefix><name>:<partition>`. */
async function ids(name: string, partition: number): Promise<string[]> {
  return ((await redis.xrange(`${prefix}${name}:${partition}`, '-', '+')) as [string, string[]][]).map(([id]) => id);
}

beforeAll(async () => {
  await createTopic(topic, PARTITIONS);
  await produceAt(topic, range(0, COUNT), () => Date.now());
  file = writeFlow(tempDir('tributary-xadd-replay-'), 'xadd-replay.flow.yaml', {
    version: 1,
    name: 'xadd-replay',
    settings: { batchSize: 50 },
    nodes: [
      { id: 'orders', type: 'source.kafka', config: { brokers: kafkaBrokers, topic, groupId, startFrom: 'earliest', format: 'json' } },
      { id: 'once', type: 'sink.redis', config: { url: redisUrl, command: 'xadd', id: 'from-offset', key: `${P} + 'once:' + meta.partition` } },
      { id: 'twice', type: 'sink.redis', config: { url: redisUrl, command: 'xadd', key: `${P} + 'twice:' + meta.partition` } },
    ],
    edges: [
      { from: 'orders', to: 'once' },
      { from: 'orders', to: 'twice' },
    ],
  });
}, 60_000);

afterAll(() => killAllCli());

describe('sink.redis xadd id from-offset through a replay of the whole flow', () => {
  it('writes every record once after the group is moved back and the flow runs again; id auto writes them twice', async () => {
    await runToEnd();
    const logEnds = (await adminOffsets(groupId, topic)).sort((a, b) => a.partition - b.partition).map((p) => p.logEnd);
    expect(logEnds.reduce((a, b) => a + b, 0)).toBe(COUNT);

    const reset = await runCli(['offsets', 'reset', file, '--node', 'orders', '--to-earliest']);
    expect(reset.code, reset.stderr).toBe(0);
    expect((await adminOffsets(groupId, topic)).every((p) => p.committed === p.logStart)).toBe(true);
    await runToEnd();

    for (let partition = 0; partition < PARTITIONS; partition++) {
      const end = logEnds[partition]!;
      expect(await ids('once', partition), `partition ${partition}`).toEqual(range(1, end + 1).map((n) => `${n}-0`));
      expect((await ids('twice', partition)).length, `partition ${partition}`).toBe(2 * end);
    }
  });
});
