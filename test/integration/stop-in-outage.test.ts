// A stop while a service is down from the start: `tributary run` of a Kafka source, a Kafka sink or a Redis sink whose
// broker or server does not answer (a port nothing listens on) retries its connect or open, and SIGTERM ends it at
// once, drained, exit 0. Before, the retry held the run until settings.shutdownTimeoutMs, which then ended it with
// exit 3 and a shutdown-timeout line (an Apply or a Stop in the studio waited as long).
import { afterAll, describe, expect, it } from 'vitest';
import { closedPort } from '../support/ports';
import { killAllCli, startCli, tempDir, waitFor, writeFlow } from '../support/runtime';

/** Long enough that a run held until the deadline is told from one that stopped at once (ms). */
const SHUTDOWN_TIMEOUT_MS = 20_000;

afterAll(() => {
  killAllCli();
});

/** The flow's nodes and edges for a service at `address` that is down. */
const FLOWS: Record<string, (address: string) => { nodes: unknown[]; edges: unknown[] }> = {
  'source.kafka': (address) => ({
    nodes: [
      { id: 'in', type: 'source.kafka', config: { brokers: [address], topic: 'down', groupId: 'down', format: 'json' } },
      { id: 'out', type: 'sink.console' },
    ],
    edges: [{ from: 'in', to: 'out' }],
  }),
  'sink.kafka': (address) => ({
    nodes: [
      { id: 'gen', type: 'source.generator', config: { ratePerSecond: 10 } },
      { id: 'out', type: 'sink.kafka', config: { brokers: [address], topic: 'down' } },
    ],
    edges: [{ from: 'gen', to: 'out' }],
  }),
  'sink.redis': (address) => ({
    nodes: [
      { id: 'gen', type: 'source.generator', config: { ratePerSecond: 10 } },
      { id: 'out', type: 'sink.redis', config: { url: `redis://${address}`, command: 'set', key: "'down:' + value.id" } },
    ],
    edges: [{ from: 'gen', to: 'out' }],
  }),
};

describe('a stop while a service is down from the start', () => {
  it.each(Object.keys(FLOWS))('%s: SIGTERM during its connect retries ends the run drained, exit 0', async (type) => {
    const address = `127.0.0.1:${await closedPort()}`;
    const file = writeFlow(tempDir(), 'down.flow.yaml', {
      version: 1,
      name: 'down',
      settings: { shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS },
      ...FLOWS[type]!(address),
    });
    const run = startCli(['run', file, '--log-format', 'json']);
    await waitFor(`${type} retrying its connection to ${address}`, () => run.output.stderr.includes('ECONNREFUSED'), 30_000);
    run.child.kill('SIGTERM');
    const exit = await run.exited;
    expect(exit, run.output.stderr.slice(-3000)).toBe(0);
    expect(run.output.stderr).toContain('"event":"stopped","flow":"down","outcome":"drained"');
    expect(run.output.stderr).not.toContain('shutdown-timeout');
  });
});
