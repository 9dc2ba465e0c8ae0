// sink.console through its spec: parse the config, create the runtime, write batches and check exactly what reached
// stdout (process.stdout.write is captured for the duration of each write).
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FlowRecord, NodeContext, SinkRuntime } from '../../runtime/engine/types';
import { consoleSinkRuntime } from './console.runtime';
import { consoleSinkSpec } from './console.spec';
import { testNodeContext } from '../../test/support/node-context';

function context(): NodeContext {
  return testNodeContext('print', consoleSinkSpec);
}

async function create(config: Record<string, unknown>): Promise<SinkRuntime> {
  if (consoleSinkRuntime.kind !== 'sink') throw new Error('sink.console is not a sink runtime');
  return consoleSinkRuntime.create(consoleSinkSpec.config.parse(config), context());
}

/** Writes `batch` while capturing stdout; returns the text written and the rejections. */
async function capture(sink: SinkRuntime, batch: FlowRecord[]): Promise<{ text: string; calls: number; result: unknown }> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    const result = await sink.write(batch);
    return { text: chunks.join(''), calls: spy.mock.calls.length, result };
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

const plain: FlowRecord = {
  key: 'k1',
  value: { id: 1, tags: ['a'] },
  headers: { h: 'v' },
  timestamp: 1_700_000_000_000,
  meta: { source: 'src', topic: 'orders', partition: 2, offset: '42' },
};
const failed: FlowRecord = {
  key: null,
  value: 'oops',
  headers: {},
  timestamp: 1_700_000_000_001,
  meta: { source: 'gen' },
  error: { nodeId: 'map1', message: 'expression threw: no qty', code: 'E_EXPRESSION_RUNTIME' },
};

describe('sink.console', () => {
  it('defaults to json', () => {
    expect(consoleSinkSpec.config.parse({})).toEqual({ format: 'json' });
    expect(consoleSinkSpec.config.safeParse({ format: 'yaml' }).success).toBe(false);
  });

  it('prints one JSON line per record with one write per batch, error only when set', async () => {
    const sink = await create({});
    const { text, calls, result } = await capture(sink, [plain, failed]);
    expect(calls).toBe(1);
    expect(result).toEqual([]);
    expect(text).toBe(
      '{"key":"k1","value":{"id":1,"tags":["a"]},"headers":{"h":"v"},"timestamp":1700000000000,' +
        '"meta":{"source":"src","topic":"orders","partition":2,"offset":"42"}}\n' +
        '{"key":null,"value":"oops","headers":{},"timestamp":1700000000001,"meta":{"source":"gen"},' +
        '"error":{"nodeId":"map1","message":"expression threw: no qty","code":"E_EXPRESSION_RUNTIME"}}\n',
    );
  });

  it('prints indented JSON in pretty format', async () => {
    const sink = await create({ format: 'pretty' });
    const { text } = await capture(sink, [plain]);
    expect(text).toBe(
      `${JSON.stringify(
        { key: 'k1', value: { id: 1, tags: ['a'] }, headers: { h: 'v' }, timestamp: 1_700_000_000_000, meta: plain.meta },
        null,
        2,
      )}\n`,
    );
    expect(text.split('\n')[1]).toBe('  "key": "k1",');
  });

  it('rejects a record that cannot be encoded as JSON and prints the others', async () => {
    const sink = await create({});
    const { text, result } = await capture(sink, [{ ...plain, value: 1n }, { ...plain, key: 'k2', value: 2 }]);
    expect(result).toEqual([{ index: 0, message: expect.stringMatching(/^cannot print the record as JSON: /) as unknown as string, code: 'E_SINK' }]);
    expect(text).toBe(`${JSON.stringify({ key: 'k2', value: 2, headers: { h: 'v' }, timestamp: 1_700_000_000_000, meta: plain.meta })}\n`);
  });

  it('writes nothing for an empty batch', async () => {
    const sink = await create({});
    const { calls, result } = await capture(sink, []);
    expect(calls).toBe(0);
    expect(result).toEqual([]);
  });
});
