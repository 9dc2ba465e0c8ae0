/**
 * "Save as test case": a flow test case built from the samples a running flow keeps per node (the last
 * {@link SAMPLE_SIZE} records in and out of each node, runtime/engine/telemetry.ts).
 *
 * Only records that belong together are kept. Every record carries the place it was read from (`meta`: source node,
 * topic, partition, offset) and its timestamp through the graph, so a sink's or error port's record is joined to the
 * source records it came from by that identity; records sharing one identity (a generator's batch) form one group,
 * kept or left out whole. The rings of different nodes cover different stretches of the stream (a filter passes few
 * records, so a sink's last 20 reach further back than its source's last 20), and partitions are processed
 * concurrently, so their records interleave differently at each node; within one lane (a source's topic-partition, or
 * the source itself without partitions) the order is the same everywhere, since a source hands a lane's next batch to
 * the graph only once the previous one passed through it. So, per lane: a group is left out when it is as old as, or
 * older than, the lane's oldest record in any full ring that could hold its outputs (they may have been pushed out),
 * and every group of a lane that has no record in such a ring is left out. What remains is a set of inputs with all
 * of their outputs. Outputs that join no sampled input (a
 * window's aggregates, which carry no single input's identity) and groups with a truncated value are left out and
 * counted. This joins what the runtime keeps anyway instead of recording input-to-output links during the run, which
 * would cost the engine's hot path something per record.
 */
import type { NodeSamples, SampleRecord } from '../common/telemetry';
import type { CaseToWrite } from './test-file';

/** A node of the flow, as the capture needs it. */
export interface CaptureNode {
  id: string;
  kind: 'source' | 'transform' | 'sink';
  /**
   * True for a window and every node downstream of one: they see aggregates that no single input produced, so their
   * records join nothing; their sinks and error ports are left out of the case (not checked), see {@link CapturedCase}.
   */
  aggregated?: boolean;
}

/** A captured case and what was left out of it. */
export interface CapturedCase {
  testCase: CaseToWrite;
  /** Source records kept. */
  inputs: number;
  /** Expected records written (every sink and error port together). */
  outputs: number;
  /**
   * Sampled records left out: outputs that join no kept input, inputs whose outputs may have been pushed out, and
   * records a sink's target refused (its `error` port: a test's sinks accept every record, so no case can expect them).
   */
  leftOut: number;
  /** Sinks and error ports not checked by the case: those of windows and of the nodes downstream of one. */
  unchecked: string[];
}

/** The identity a record keeps through the graph: where it was read, and its timestamp. */
function identity(r: SampleRecord): string {
  return JSON.stringify([r.meta.source, r.meta.topic ?? null, r.meta.partition ?? null, r.meta.offset ?? null, r.timestamp]);
}

/** The lane of a record: its source and topic-partition, in which every node sees records in the same order. */
function laneOf(r: SampleRecord): string {
  return JSON.stringify([r.meta.source, r.meta.topic ?? null, r.meta.partition ?? null]);
}

function inputOf(r: SampleRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { key: r.key, value: r.value };
  if (Object.keys(r.headers).length > 0) out.headers = r.headers;
  out.timestamp = r.timestamp;
  if (r.meta.topic !== undefined) out.topic = r.meta.topic;
  if (r.meta.partition !== undefined) out.partition = r.meta.partition;
  if (r.meta.offset !== undefined) out.offset = r.meta.offset;
  if (r.error !== undefined) out.error = { message: r.error.message, code: r.error.code };
  return out;
}

function expectedOf(r: SampleRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { key: r.key, value: r.value };
  if (Object.keys(r.headers).length > 0) out.headers = r.headers;
  if (r.error !== undefined) out.error = { nodeId: r.error.nodeId, code: r.error.code, message: r.error.message };
  return out;
}

/** One ring of samples that expected records come from. */
interface OutputRing {
  /** Sink id or `<node>.error`. */
  key: string;
  /** The whole ring (for its oldest record and whether it is full). */
  ring: SampleRecord[];
  /** The records of the ring that go to `key`. */
  records: SampleRecord[];
}

/**
 * Builds a test case from the samples of every node of a running flow.
 * @param name the case name
 * @param now the case's pinned time (ms), normally the time of the capture
 * @param nodes the flow's nodes
 * @param samples the samples of each node by id, taken at the same moment
 * @param ringSize records a sample ring keeps ({@link SAMPLE_SIZE})
 */
export function captureCase(name: string, now: number, nodes: readonly CaptureNode[], samples: ReadonlyMap<string, NodeSamples>, ringSize: number): CapturedCase {
  // Groups of source records by identity, numbered per lane in the order the source read them.
  const groups = new Map<string, { lane: string; index: number; records: SampleRecord[]; broken: boolean }>();
  const perLane = new Map<string, number>();
  for (const node of nodes.filter((n) => n.kind === 'source')) {
    for (const r of samples.get(node.id)?.out ?? []) {
      const id = identity(r);
      let group = groups.get(id);
      if (group === undefined) {
        const lane = laneOf(r);
        const index = perLane.get(lane) ?? 0;
        perLane.set(lane, index + 1);
        groups.set(id, (group = { lane, index, records: [], broken: false }));
      }
      group.records.push(r);
      if (r.truncated === true) group.broken = true;
    }
  }
  const rings: OutputRing[] = [];
  const unchecked: string[] = [];
  let refused = 0;
  for (const node of nodes) {
    const s = samples.get(node.id);
    if (node.aggregated === true) {
      if (node.kind !== 'source') unchecked.push(node.kind === 'sink' ? node.id : `${node.id}.error`);
      continue;
    }
    const failed = (s?.out ?? []).filter((r) => r.port === 'error');
    if (node.kind === 'sink') {
      rings.push({ key: node.id, ring: s?.in ?? [], records: s?.in ?? [] });
      // What a live target refused: a test's sinks accept every record, so no case can expect it.
      refused += failed.length;
    } else if (node.kind === 'transform' || failed.length > 0) {
      rings.push({ key: `${node.id}.error`, ring: s?.out ?? [], records: failed });
    }
  }
  // Per lane, the groups a full ring may have lost outputs of: up to the lane's oldest group in the ring, or the
  // whole lane when the ring holds none of it.
  const cut = new Map<string, number>();
  const raise = (lane: string, index: number): void => {
    cut.set(lane, Math.max(cut.get(lane) ?? -1, index));
  };
  for (const { ring } of rings) {
    if (ring.length < ringSize) continue;
    const oldest = new Map<string, number>();
    for (const r of ring) {
      const group = groups.get(identity(r));
      if (group !== undefined && !oldest.has(group.lane)) oldest.set(group.lane, group.index);
    }
    for (const lane of perLane.keys()) raise(lane, oldest.get(lane) ?? Number.POSITIVE_INFINITY);
  }
  for (const { records } of rings) {
    for (const r of records) {
      const group = r.truncated === true ? groups.get(identity(r)) : undefined;
      if (group !== undefined) group.broken = true;
    }
  }
  const kept = new Set<string>();
  let leftOut = refused;
  for (const [id, group] of groups) {
    if (group.broken || group.index <= (cut.get(group.lane) ?? -1)) leftOut += group.records.length;
    else kept.add(id);
  }
  const inputs: Record<string, Record<string, unknown>[]> = {};
  for (const node of nodes.filter((n) => n.kind === 'source')) {
    inputs[node.id] = (samples.get(node.id)?.out ?? []).filter((r) => kept.has(identity(r))).map(inputOf);
  }
  const expect: Record<string, Record<string, unknown>[]> = {};
  let outputs = 0;
  for (const { key, records } of rings) {
    const mine = records.filter((r) => kept.has(identity(r)));
    leftOut += records.length - mine.length;
    outputs += mine.length;
    expect[key] = mine.map(expectedOf);
  }
  const inputCount = Object.values(inputs).reduce((n, list) => n + list.length, 0);
  return { testCase: { name, now: new Date(now).toISOString(), inputs, expect }, inputs: inputCount, outputs, leftOut, unchecked };
}
