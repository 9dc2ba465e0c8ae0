/**
 * Development aid for measuring the canvas under load: opens a generated flow of N nodes (lanes of Kafka source ->
 * map -> filter -> map -> Redis sink) and feeds fake telemetry frames into the telemetry store at 10 Hz, exactly as
 * the backend's frames arrive (same store event, same frame shape). Enabled by the URL parameter `?simulate=500`
 * (`renderer/main.tsx`); nothing is run.
 *
 * `window.tributarySimulation` exposes `{ nodes, frames, storeUpdateMs, stop() }`: `storeUpdateMs` holds the cost of
 * the last 200 store updates (the subscribers' transient DOM writes included; React's commit is measured with the
 * browser's own tools).
 */
import { FlowSchema, type Flow } from '../../runtime/common/flow';
import { edgeKey, type NodeTelemetry, type PartitionTelemetry, type TelemetryFrame } from '../../runtime/common/telemetry';
import { studioStore, telemetryStore } from '../store/index';

/** Node types of one lane, in order. */
const LANE = ['source.kafka', 'transform.map', 'transform.filter', 'transform.map', 'sink.redis'] as const;
const LANE_NAMES = ['src', 'map', 'filter', 'enrich', 'sink'] as const;
/** Lanes side by side before wrapping to the next row. */
const LANES_PER_ROW = 4;
const PARTITIONS = 4;

/** A flow of `count` nodes (rounded up to whole lanes of 5). */
export function simulatedFlow(count: number): Flow {
  const lanes = Math.max(1, Math.ceil(count / LANE.length));
  const nodes: unknown[] = [];
  const edges: { from: string; to: string }[] = [];
  const layout: Record<string, { x: number; y: number }> = {};
  for (let lane = 0; lane < lanes; lane++) {
    const x0 = (lane % LANES_PER_ROW) * LANE.length * 260;
    const y0 = Math.floor(lane / LANES_PER_ROW) * 260;
    LANE.forEach((type, i) => {
      const id = `${LANE_NAMES[i]}-${lane}`;
      const config: Record<string, unknown> =
        type === 'source.kafka'
          ? { topic: `sim-${lane}`, groupId: `sim-${lane}` }
          : type === 'sink.redis'
            ? { key: "'sim:' + value.id" }
            : type === 'transform.filter'
              ? { expression: 'value.id % 10 !== 0' }
              : { expression: '({ ...value, lane: ' + lane + ' })' };
      nodes.push({ id, type, config });
      layout[id] = { x: x0 + i * 260, y: y0 };
      if (i > 0) edges.push({ from: `${LANE_NAMES[i - 1]}-${lane}`, to: id });
    });
  }
  return FlowSchema.parse({ version: 1, name: `simulated-${lanes * LANE.length}`, nodes, edges, layout });
}

interface SimNode {
  id: string;
  type: string;
  in: number;
  out: number;
  errors: number;
  base: number;
  history: number[];
}

/** Feeds fake frames for the flow into the telemetry store. */
function frameSource(flow: Flow): () => TelemetryFrame {
  const started = Date.now();
  let lastSecond = 0;
  const sims: SimNode[] = flow.nodes.map((n, i) => ({
    id: n.id,
    type: n.type,
    in: 0,
    out: 0,
    errors: 0,
    base: 200 + ((i * 7919) % 1800),
    history: Array.from({ length: 60 }, () => 0),
  }));
  return () => {
    const now = Date.now();
    const uptimeMs = now - started;
    const second = Math.floor(uptimeMs / 1000);
    const nodes: Record<string, NodeTelemetry> = {};
    const edges: Record<string, number> = {};
    const partitions: Record<string, PartitionTelemetry[]> = {};
    const sinkAck: TelemetryFrame['sinkAck'] = {};
    let totalIn = 0;
    let delivered = 0;
    for (const s of sims) {
      const rate = s.base * (0.75 + 0.5 * Math.random());
      const n = Math.round(rate / 10);
      s.in += n;
      const kept = s.type === 'transform.filter' ? Math.round(n * 0.9) : n;
      s.out += s.type.startsWith('sink.') ? 0 : kept;
      if (Math.random() < 0.002) s.errors++;
      if (second !== lastSecond) s.history = [...s.history.slice(1), Math.round(rate)];
      nodes[s.id] = {
        in: s.in,
        out: { out: s.out, error: s.errors },
        errors: s.errors,
        dropped: 0,
        rateIn1s: Math.round(rate),
        rateIn10s: s.base,
        rateOut1s: Math.round(s.type === 'transform.filter' ? rate * 0.9 : rate),
        rateOut10s: s.base,
        batchLatency: { p50: 1 + Math.random() * 3, p99: 5 + Math.random() * 20 },
        history: s.history,
        backpressured: s.type.startsWith('sink.') && Math.random() < 0.01,
      };
      if (s.type === 'source.kafka') {
        totalIn += s.in;
        partitions[s.id] = Array.from({ length: PARTITIONS }, (_, p) => {
          const high = Math.round(s.in / PARTITIONS) + 50;
          const done = Math.round(s.in / PARTITIONS) - Math.round(Math.random() * 40);
          return { topic: `sim-${s.id}`, partition: p, committed: done, highWatermark: high, lag: high - done, paused: false };
        });
      }
      if (s.type.startsWith('sink.')) {
        delivered += s.in;
        sinkAck[s.id] = { p50: 2 + Math.random() * 2, p99: 8 + Math.random() * 10 };
      }
    }
    lastSecond = second;
    for (const e of flow.edges) {
      const [from] = e.from.split(':') as [string];
      const [to] = e.to.split(':') as [string];
      edges[edgeKey(from, 'out', to, 'in')] = nodes[from]?.out.out ?? 0;
    }
    return {
      time: now,
      uptimeMs,
      nodes,
      edges,
      partitions,
      sinkAck,
      endToEnd: { p50: 12 + Math.random() * 4, p99: 40 + Math.random() * 20 },
      totals: { in: totalIn, delivered, errors: sims.reduce((n, s) => n + s.errors, 0) },
      inFlight: Math.max(0, totalIn - delivered),
    };
  };
}

/** What `window.tributarySimulation` holds. */
export interface Simulation {
  nodes: number;
  frames: number;
  /** Cost of the last 200 store updates, ms. */
  storeUpdateMs: number[];
  stop(): void;
}

/** Opens a flow of `count` nodes and feeds it fake frames at `hz` per second. */
export function startSimulatedTelemetry(count = 500, hz = 10): Simulation {
  const flow = simulatedFlow(count);
  studioStore.getState().flowOpened(flow, { path: null, external: false });
  telemetryStore.getState().runStarted();
  const next = frameSource(flow);
  const simulation: Simulation = {
    nodes: flow.nodes.length,
    frames: 0,
    storeUpdateMs: [],
    stop: () => clearInterval(timer),
  };
  const timer = setInterval(() => {
    const frame = next();
    const t0 = performance.now();
    telemetryStore.getState().frameReceived(frame);
    simulation.storeUpdateMs.push(performance.now() - t0);
    if (simulation.storeUpdateMs.length > 200) simulation.storeUpdateMs.shift();
    simulation.frames++;
  }, 1000 / hz);
  (globalThis as { tributarySimulation?: Simulation }).tributarySimulation = simulation;
  return simulation;
}
