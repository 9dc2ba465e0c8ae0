// The studio's trace store: what the canvas highlights for a record trace (nodes, edges, ports, error ports) and the
// hop list in path order (fan-out branches under the hop they split from), with offsets and acknowledgements.
import { describe, expect, it } from 'vitest';
import type { SampleTrace, TraceHopView } from '../../runtime/common/telemetry';
import { nodeTraceClass, nodeTraceMark, traceHighlight, traceRows, traceStore } from '../../renderer/store/trace-store';

function hop(over: Partial<TraceHopView> & Pick<TraceHopView, 'spanId' | 'nodeId'>): TraceHopView {
  return { parentSpanId: null, kind: 'transform', from: null, startMs: 1000, durationMs: 1, ports: ['out'], ackMs: null, ...over };
}

/** gen -> map -> {all (sink), check -error-> errors (sink)}; the sinks' hops started in reverse order. */
const trace: SampleTrace = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: 'e000000000000005',
  hops: [
    hop({ spanId: 'e000000000000001', nodeId: 'gen', kind: 'source', parentSpanId: '00f067aa0ba902b7', startMs: 1000, durationMs: 0 }),
    hop({ spanId: 'e000000000000002', nodeId: 'map', parentSpanId: 'e000000000000001', from: { nodeId: 'gen', port: 'out', toPort: 'in' }, startMs: 1000.5 }),
    hop({ spanId: 'e000000000000004', nodeId: 'check', parentSpanId: 'e000000000000002', from: { nodeId: 'map', port: 'out', toPort: 'in' }, startMs: 1002, ports: ['error'], error: 'odd id 3' }),
    hop({ spanId: 'e000000000000003', nodeId: 'all', kind: 'sink', parentSpanId: 'e000000000000002', from: { nodeId: 'map', port: 'out', toPort: 'in' }, startMs: 1003, durationMs: 2, ports: [], ackMs: 1005 }),
    hop({ spanId: 'e000000000000005', nodeId: 'errors', kind: 'sink', parentSpanId: 'e000000000000004', from: { nodeId: 'check', port: 'error', toPort: 'in' }, startMs: 1004, durationMs: 3, ports: [], ackMs: null }),
  ],
};

describe('renderer trace store', () => {
  it('highlights the nodes, edges and ports of the path, error ports apart', () => {
    const h = traceHighlight(trace);
    expect([...h.nodes].sort()).toEqual(['all', 'check', 'errors', 'gen', 'map']);
    expect([...h.edges].sort()).toEqual(['check:error->errors:in', 'gen:out->map:in', 'map:out->all:in', 'map:out->check:in']);
    expect(h.ports.get('check')).toEqual({ out: ['error'], in: ['in'] });
    expect(h.ports.get('gen')).toEqual({ out: ['out'], in: [] });
    expect([...h.errors]).toEqual(['check']);
    expect(traceHighlight(null).nodes.size).toBe(0);
  });

  it('lists the hops depth-first with offsets from the first hop and the time to acknowledgement', () => {
    const rows = traceRows(trace);
    expect(rows.map((r) => [r.hop.nodeId, r.depth])).toEqual([
      ['gen', 0],
      ['map', 1],
      ['check', 2],
      ['errors', 3],
      ['all', 2],
    ]);
    expect(rows.find((r) => r.hop.nodeId === 'all')).toMatchObject({ offsetMs: 3, ackAfterMs: 2 });
    expect(rows.find((r) => r.hop.nodeId === 'errors')!.ackAfterMs).toBeNull();
  });

  it('marks nodes on and off the shown trace, follows newer samples of it, and clears', () => {
    traceStore.getState().traceShown({ ...trace, spanId: 'e000000000000002', hops: trace.hops.slice(0, 2) });
    expect(nodeTraceMark(traceStore.getState(), 'map')).toBe('on');
    expect(nodeTraceMark(traceStore.getState(), 'all')).toBe('off');
    traceStore.getState().samplesArrived([{ ...trace, traceId: 'other' }, trace]);
    expect(traceStore.getState().trace!.hops).toHaveLength(5);
    // The sample's own hop stays the one it was taken at.
    expect(traceStore.getState().trace!.spanId).toBe('e000000000000002');
    expect(nodeTraceMark(traceStore.getState(), 'check')).toBe('error');
    expect(nodeTraceClass('error')).toBe(' traced traced-error');
    expect(nodeTraceClass('off')).toBe(' trace-dim');
    traceStore.getState().traceClosed();
    expect(nodeTraceMark(traceStore.getState(), 'map')).toBe('');
    expect(nodeTraceClass('')).toBe('');
  });
});
