// The studio's "Replay from…" backend refuses before it reaches Kafka: a reset while a run is active, a node that is
// not a Kafka source, an invalid flow; each with one line for the user.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { studioGroupOffsets, studioResetOffsets } from '../../runtime/studio/offsets';

const flow = stringify({
  version: 1,
  name: 'replay-unit',
  nodes: [
    { id: 'orders', type: 'source.kafka', config: { brokers: ['127.0.0.1:1'], topic: 'orders', groupId: 'orders-replay' } },
    { id: 'out', type: 'sink.console', config: {} },
  ],
  edges: [{ from: 'orders', to: 'out' }],
});

describe('studio offsets backend', () => {
  it('refuses to move offsets while a run is active, naming the group and node', async () => {
    for (const runState of [
      { status: 'running', mode: 'run', startedAt: 0, pid: 1 },
      { status: 'starting', mode: 'run', startedAt: 0 },
      { status: 'stopping', mode: 'run', pid: 1 },
    ] as const) {
      await expect(studioResetOffsets(flow, 'orders', { kind: 'earliest' }, { dryRun: false, runState, env: {} })).rejects.toThrow(
        /^stop the run before moving the offsets of group orders-replay \(node orders\)$/,
      );
    }
  });

  it('refuses a node that is not a Kafka source and a flow that does not compile', async () => {
    await expect(studioGroupOffsets(flow, 'out', {})).rejects.toThrow(/^node out is a sink\.console: offsets belong to source\.kafka nodes$/);
    await expect(studioGroupOffsets(flow, 'nope', {})).rejects.toThrow(/^no node nope in the flow \(source\.kafka nodes: orders\)$/);
    await expect(studioGroupOffsets('version: 1\nnodes: 3\n', 'orders', {})).rejects.toThrow(/^cannot read the offsets: the flow has \d+ problem\(s\):\n/);
  });
});
