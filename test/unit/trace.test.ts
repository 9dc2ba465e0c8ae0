// The trace recorder on real plans: which records carry a trace, the hops node by node and port by port (fan-out,
// error ports, sink rejections), the sink acknowledgement, continuing an upstream traceparent, samples carrying the
// trace, and the W3C header helpers. Sources and transforms are the real node runtimes; the sinks capture.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileFlow } from '../../runtime/common/compile';
import { FlowSchema, type FlowInput } from '../../runtime/common/flow';
import { defineNodeSpec, type NodeSpec } from '../../runtime/common/node-spec';
import { Engine } from '../../runtime/engine/engine';
import { formatTraceparent, parseTraceparent, traceView, type TraceHop } from '../../runtime/engine/trace-context';
import { defineSink, defineSource, type FlowRecord, type NodeRuntime, type SinkRejection } from '../../runtime/engine/types';
import { kafkaHeaders } from '../../nodes/sink/kafka.runtime';
import { nodeRuntimes } from '../../nodes/runtimes';
import { specRegistry } from '../../nodes/specs';

const captureSpec = defineNodeSpec({
  type: 'sink.trace-capture',
  kind: 'sink',
  version: 1,
  title: 'Capture',
  description: 'Test sink: keeps what it receives, refuses the ids listed.',
  inputs: [{ name: 'in', description: 'records' }],
  outputs: [],
  config: z.strictObject({ name: z.string().describe('Name.'), reject: z.array(z.number()).default([]).describe('Ids refused.') }),
});

const headersSpec = defineNodeSpec({
  type: 'source.trace-headers',
  kind: 'source',
  version: 1,
  title: 'Headers',
  description: 'Test source: one batch of records with the given traceparent headers.',
  inputs: [],
  outputs: [{ name: 'out', description: 'records' }],
  config: z.strictObject({ traceparents: z.array(z.string().nullable()).describe('One record per entry.') }),
});

function runtimes(captured: Map<string, FlowRecord[]>): Map<string, NodeRuntime> {
  const map = new Map(nodeRuntimes);
  map.set(
    captureSpec.type,
    defineSink(captureSpec, (config) => ({
      async write(batch): Promise<SinkRejection[]> {
        await new Promise((resolve) => setTimeout(resolve, 2));
        const list = captured.get(config.name) ?? [];
        const rejections: SinkRejection[] = [];
        batch.forEach((r, index) => {
          if (config.reject.includes((r.value as { id: number }).id)) rejections.push({ index, message: 'refused' });
          else list.push(r);
        });
        captured.set(config.name, list);
        return rejections;
      },
    })),
  );
  map.set(
    headersSpec.type,
    defineSource(headersSpec, (config, ctx) => ({
      async run() {
        await ctx.deliver(
          config.traceparents.map((tp, id) => ({
            key: null,
            value: { id },
            headers: tp === null ? {} : ({ traceparent: tp } as Record<string, string>),
            timestamp: Date.now(),
            meta: { source: ctx.nodeId },
          })),
        );
      },
      async stop() {},
    })),
  );
  return map;
}

function plan(flow: FlowInput) {
  const specs = new Map<string, NodeSpec>(specRegistry);
  specs.set(captureSpec.type, captureSpec);
  specs.set(headersSpec.type, headersSpec);
  const compiled = compileFlow(FlowSchema.parse(flow), specs);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
  return compiled.plan;
}

const logger = pino({ level: 'silent' });

/**
 * gen -> map -> (fan-out) sink `all` and transform `check`; `check` fails odd ids to its error port -> sink `errors`;
 * even ids go on to sink `evens`, which refuses id 4 (to its error port, unwired, dropped).
 */
function fanOutFlow(count: number, traceSampleRate: number): FlowInput {
  return {
    version: 1,
    name: 'trace',
    settings: { batchSize: 50, traceSampleRate },
    nodes: [
      { id: 'gen', type: 'source.generator', config: { count, ratePerSecond: 0, value: '({ id: i })' } },
      { id: 'map', type: 'transform.map', config: { expression: '({ id: value.id, twice: value.id * 2 })' } },
      { id: 'all', type: captureSpec.type, config: { name: 'all' } },
      {
        id: 'check',
        type: 'transform.map',
        config: { expression: "value.id % 2 === 1 ? (() => { throw new Error('odd id ' + value.id) })() : value" },
      },
      { id: 'errors', type: captureSpec.type, config: { name: 'errors' } },
      { id: 'evens', type: captureSpec.type, config: { name: 'evens', reject: [4] }, onError: 'drop' },
    ],
    edges: [
      { from: 'gen', to: 'map' },
      { from: 'map', to: 'all' },
      { from: 'map', to: 'check' },
      { from: 'check', to: 'evens' },
      { from: 'check:error', to: 'errors' },
    ],
  };
}

async function run(flow: FlowInput, options: { lastOfBatch?: boolean } = {}) {
  const captured = new Map<string, FlowRecord[]>();
  const hops: TraceHop[] = [];
  const engine = new Engine(plan(flow), { runtimes: runtimes(captured), logger, tracing: { ...options, onHop: (hop) => hops.push(hop) } });
  await engine.run();
  await new Promise((resolve) => setImmediate(resolve));
  return { captured, hops, engine };
}

/** The node ids of a hop's ancestry, root first. */
function path(hop: TraceHop): string[] {
  const ids: string[] = [];
  for (let h: TraceHop | undefined = hop; h !== undefined; h = h.parent) ids.unshift(h.nodeId);
  return ids;
}

describe('record traces', () => {
  it('traces every record at rate 1: hop by hop, port by port, fan-out, error port and sink acknowledgement', async () => {
    const { captured, hops } = await run(fanOutFlow(10, 1));
    const all = captured.get('all')!;
    expect(all).toHaveLength(10);
    for (const record of all) {
      const hop = record.trace!;
      expect(path(hop)).toEqual(['gen', 'map', 'all']);
      expect(hop.fromPort).toBe('out');
      expect(hop.toPort).toBe('in');
      expect(hop.ackMs).toBeGreaterThanOrEqual(hop.startMs);
      expect(hop.endMs! - hop.startMs).toBeGreaterThanOrEqual(1);
    }
    // One trace per record, every hop of it recorded once.
    const byTrace = new Map<string, TraceHop[]>();
    for (const hop of hops) byTrace.set(hop.trace.traceId, [...(byTrace.get(hop.trace.traceId) ?? []), hop]);
    expect(byTrace.size).toBe(10);

    // An odd id: gen -> map -> {all, check -error-> errors}.
    const odd = captured.get('errors')!.find((r) => (r.value as { id: number }).id === 3)!;
    const errorHop = odd.trace!;
    expect(path(errorHop)).toEqual(['gen', 'map', 'check', 'errors']);
    expect(errorHop.fromPort).toBe('error');
    expect(errorHop.parent!.ports).toEqual(['error']);
    expect(errorHop.parent!.error).toContain('odd id 3');
    const trace = byTrace.get(errorHop.trace.traceId)!;
    expect(trace.map((h) => h.nodeId).sort()).toEqual(['all', 'check', 'errors', 'gen', 'map']);
    const mapHop = trace.find((h) => h.nodeId === 'map')!;
    expect(mapHop.ports).toEqual(['out']);
    expect(trace.filter((h) => h.parent === mapHop).map((h) => h.nodeId).sort()).toEqual(['all', 'check']);
    expect(trace.find((h) => h.nodeId === 'gen')!.ports).toEqual(['out']);
    expect(new Set(trace.map((h) => h.spanId)).size).toBe(5);
    for (const hop of trace) expect(hop.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(errorHop.trace.traceId).toMatch(/^[0-9a-f]{32}$/);

    // id 4: refused by `evens`, whose unwired error port drops it: no acknowledgement, the error port on its hop.
    const refused = hops.find((h) => h.nodeId === 'evens' && h.ports.includes('error'))!;
    expect(refused.ackMs).toBeUndefined();
    expect(refused.error).toBe('refused');
    const accepted = hops.filter((h) => h.nodeId === 'evens' && h.ackMs !== undefined);
    expect(accepted).toHaveLength(4);
  });

  it('keeps the order of chunks in flight together: a traced chunk through a synchronous transform is not overtaken', async () => {
    // Like source.kafka, the source hands the engine several chunks of one partition without waiting for each.
    const pipelined = defineNodeSpec({
      type: 'source.trace-pipelined',
      kind: 'source',
      version: 1,
      title: 'Pipelined',
      description: 'Test source: 100 chunks handed to the engine at once.',
      inputs: [],
      outputs: [{ name: 'out', description: 'records' }],
      config: z.strictObject({}),
    });
    const captured = new Map<string, FlowRecord[]>();
    const map = runtimes(captured);
    map.set(
      pipelined.type,
      defineSource(pipelined, (_config, ctx) => ({
        async run() {
          const chunks = Array.from({ length: 100 }, (_, c) =>
            Array.from({ length: 10 }, (_, j) => ({ key: null, value: { id: c * 10 + j }, headers: {}, timestamp: Date.now(), meta: { source: ctx.nodeId } })),
          );
          await Promise.all(chunks.map((chunk) => ctx.deliver(chunk)));
        },
        async stop() {},
      })),
    );
    const specs = new Map<string, NodeSpec>(specRegistry);
    specs.set(captureSpec.type, captureSpec);
    specs.set(pipelined.type, pipelined);
    const flow: FlowInput = {
      version: 1,
      name: 'order',
      settings: { batchSize: 10, traceSampleRate: 0.05 },
      nodes: [
        { id: 'src', type: pipelined.type, config: {} },
        { id: 'map', type: 'transform.map', config: { expression: '({ id: value.id })' } },
        { id: 'all', type: captureSpec.type, config: { name: 'all' } },
      ],
      edges: [
        { from: 'src', to: 'map' },
        { from: 'map', to: 'all' },
      ],
    };
    const compiled = compileFlow(FlowSchema.parse(flow), specs);
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
    const hops: TraceHop[] = [];
    await new Engine(compiled.plan, { runtimes: map, logger, tracing: { onHop: (hop) => hops.push(hop) } }).run();
    const ids = captured.get('all')!.map((r) => (r.value as { id: number }).id);
    expect(hops.length).toBeGreaterThan(0);
    expect(ids).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('traces nothing at rate 0 and about the rate otherwise, picking with a skip count', async () => {
    const off = await run(fanOutFlow(200, 0));
    expect(off.engine.tracer).toBeUndefined();
    expect(off.captured.get('all')!.every((r) => r.trace === undefined)).toBe(true);
    expect(off.hops).toHaveLength(0);

    const some = await run(fanOutFlow(5_000, 0.1));
    const traced = some.captured.get('all')!.filter((r) => r.trace !== undefined).length;
    // Binomial(5000, 0.1): mean 500, standard deviation ~21.
    expect(traced).toBeGreaterThan(400);
    expect(traced).toBeLessThan(600);
  }, 30_000);

  it('traces the last record of every batch for the studio', async () => {
    const { captured } = await run(fanOutFlow(200, 0.0000001), { lastOfBatch: true });
    const ids = captured.get('all')!.filter((r) => r.trace !== undefined).map((r) => (r.value as { id: number }).id);
    expect(ids).toEqual([49, 99, 149, 199]);
  });

  it('continues an upstream trace from a sampled traceparent header', async () => {
    const upstream = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const unsampled = '00-4bf92f3577b34da6a3ce929d0e0e4737-00f067aa0ba902b8-00';
    const { captured, engine } = await run({
      version: 1,
      name: 'continue',
      settings: { traceSampleRate: 0.0000001 },
      nodes: [
        { id: 'in', type: headersSpec.type, config: { traceparents: [upstream, null, unsampled, 'garbage'] } },
        { id: 'out', type: captureSpec.type, config: { name: 'out' } },
      ],
      edges: [{ from: 'in', to: 'out' }],
    });
    const [first, second, third, fourth] = captured.get('out')!;
    expect(first!.trace!.trace.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    const view = traceView(first!.trace!);
    expect(view.hops[0]).toMatchObject({ nodeId: 'in', kind: 'source', parentSpanId: '00f067aa0ba902b7', from: null, ports: ['out'] });
    expect(view.hops[1]).toMatchObject({ nodeId: 'out', kind: 'sink', parentSpanId: view.hops[0]!.spanId, from: { nodeId: 'in', port: 'out', toPort: 'in' } });
    expect(view.hops[1]!.ackMs).not.toBeNull();
    expect(view.hops[1]!.durationMs).toBeGreaterThan(0);
    expect([second!.trace, third!.trace, fourth!.trace]).toEqual([undefined, undefined, undefined]);
    // The sink's samples carry the trace, the untraced ones none.
    const samples = engine.samples('out')!.in;
    expect(samples[0]!.trace!.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(samples[0]!.trace!.hops.map((h) => h.nodeId)).toEqual(['in', 'out']);
    expect(samples[1]!.trace).toBeUndefined();
  });

  it('parses and writes W3C traceparent headers', () => {
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      sampled: true,
    });
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')?.sampled).toBe(false);
    expect(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later')?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    for (const bad of [
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
      '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
      ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
      undefined,
    ]) {
      expect(parseTraceparent(bad)).toBeUndefined();
    }
  });

  it('sink.kafka writes a traceparent naming its own hop on traced records only', async () => {
    const { captured } = await run(fanOutFlow(2, 1));
    const record = captured.get('all')![0]!;
    const headers = kafkaHeaders(record);
    expect(headers.traceparent).toBe(formatTraceparent(record.trace!));
    expect(headers.traceparent).toBe(`00-${record.trace!.trace.traceId}-${record.trace!.spanId}-01`);
    expect(parseTraceparent(headers.traceparent)?.spanId).toBe(record.trace!.spanId);
    expect(kafkaHeaders({ ...record, trace: undefined })).toEqual({});
  });
});
