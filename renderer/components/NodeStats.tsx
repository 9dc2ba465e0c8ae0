/**
 * Live figures inside a canvas node: records in/out with their rates, errors, p99 batch latency, a 60 s throughput
 * sparkline, Kafka partitions (committed vs high watermark, lag), sink ack latency, and the preview's counts.
 *
 * Each part reads its own node id from the telemetry store. The high-rate numbers are written straight to the DOM by a
 * transient `subscribe` (no React render per frame); the sparkline and partition table re-render only when their own
 * arrays change. Nothing here touches React Flow node data.
 */
import { memo, useEffect, useRef } from 'react';
import type { PartitionTelemetry } from '../../runtime/common/telemetry';
import { formatCount, formatMs, formatRate, sparklinePoints } from '../store/samples';
import { telemetryStore, useRun, useTelemetry } from '../store/index';
import type { NodeLive } from '../store/telemetry-store';

const SPARK_W = 176;
const SPARK_H = 18;

/** A figure written transiently: its element and what was last written (so unchanged figures cost nothing). */
interface Figure {
  el: HTMLElement | null;
  text: string;
  raw: string;
}

/** Sets a figure's text and its raw value (`data-count`, read by tests and tooltips) when they changed. */
function put(f: Figure, text: string, raw: number | null): void {
  if (f.el === null) return;
  if (f.text !== text) {
    f.text = text;
    f.el.textContent = text;
  }
  const value = raw === null ? '' : String(raw);
  if (f.raw !== value) {
    f.raw = value;
    f.el.setAttribute('data-count', value);
  }
}

/** The numbers of one node, updated transiently. */
function LiveNumbers({ id }: { id: string }) {
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = root.current;
    if (el === null) return;
    const find = (name: string): Figure => ({ el: el.querySelector<HTMLElement>(`[data-f="${name}"]`), text: '', raw: '' });
    const f = { in: find('in'), out: find('out'), rin: find('rin'), rout: find('rout'), err: find('err'), p99: find('p99') };
    let title = '';
    const apply = (live: NodeLive | undefined): void => {
      if (live === undefined) return;
      put(f.in, formatCount(live.in), live.in);
      put(f.out, formatCount(live.out), live.out);
      put(f.rin, `${formatRate(live.rateIn)}/s`, live.rateIn);
      put(f.rout, `${formatRate(live.rateOut)}/s`, live.rateOut);
      put(f.err, formatCount(live.errors), live.errors);
      put(f.p99, formatMs(live.p99), live.p99);
      const nextTitle = live.lastError === undefined ? '' : `last error: ${live.lastError}`;
      if (nextTitle !== title) el.title = title = nextTitle;
    };
    apply(telemetryStore.getState().nodes[id]);
    return telemetryStore.subscribe((state, previous) => {
      if (state.nodes[id] !== previous.nodes[id]) apply(state.nodes[id]);
    });
  }, [id]);
  return (
    <div className="live-numbers" ref={root}>
      <div className="live-row">
        <span className="live-label">in</span>
        <b data-f="in" data-testid={`node-in-${id}`} />
        <span className="live-rate" data-f="rin" data-testid={`node-rate-in-${id}`} />
        <span className="live-label">out</span>
        <b data-f="out" data-testid={`node-out-${id}`} />
        <span className="live-rate" data-f="rout" data-testid={`node-rate-out-${id}`} />
      </div>
      <div className="live-row">
        <span className="live-label">errors</span>
        <b data-f="err" className="live-errors" data-testid={`node-errors-${id}`} />
        <span className="live-label">p99</span>
        <b data-f="p99" data-testid={`node-p99-${id}`} />
      </div>
    </div>
  );
}

/** Input throughput over the last 60 s. */
function Sparkline({ id }: { id: string }) {
  const history = useTelemetry((s) => s.nodes[id]?.history);
  if (history === undefined || history.length === 0) return null;
  const max = Math.max(...history);
  return (
    <svg className="sparkline" width={SPARK_W} height={SPARK_H} data-testid={`node-sparkline-${id}`} aria-label={`throughput over 60 s, peak ${max}/s`}>
      <title>{`records/s in over the last ${history.length} s (peak ${formatRate(max)}/s)`}</title>
      <polyline points={sparklinePoints(history, SPARK_W, SPARK_H)} />
    </svg>
  );
}

const NO_PARTITIONS: readonly PartitionTelemetry[] = [];

/** Assigned partitions of a Kafka source: committed offset vs high watermark, lag. */
function Partitions({ id }: { id: string }) {
  const partitions = useTelemetry((s) => s.partitions[id] ?? NO_PARTITIONS);
  if (partitions === NO_PARTITIONS) return null;
  const lag = partitions.reduce((n, p) => n + p.lag, 0);
  return (
    <div className="live-partitions" data-testid={`node-partitions-${id}`}>
      <div className="live-row">
        <span className="live-label">{partitions.length} partition{partitions.length === 1 ? '' : 's'}, lag</span>
        <b data-testid={`node-lag-${id}`} data-count={lag}>
          {formatCount(lag)}
        </b>
      </div>
      <table>
        <tbody>
          {partitions.map((p) => (
            <tr key={`${p.topic}:${p.partition}`} className={p.paused ? 'paused' : undefined} data-testid={`partition-${id}-${p.partition}`} title={`${p.topic} [${p.partition}]${p.paused ? ' (paused: backpressure)' : ''}`}>
              <td>p{p.partition}</td>
              <td>
                {p.committed < 0 ? '—' : formatCount(p.committed)} / {formatCount(p.highWatermark)}
              </td>
              <td data-lag={p.lag}>lag {formatCount(p.lag)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Write acknowledgement latency of a sink. */
function SinkAck({ id }: { id: string }) {
  const p99 = useTelemetry((s) => s.sinkAck[id]?.p99);
  const p50 = useTelemetry((s) => s.sinkAck[id]?.p50);
  if (p99 === undefined) return null;
  return (
    <div className="live-row" data-testid={`node-ack-${id}`}>
      <span className="live-label">ack p50</span>
      <b>{formatMs(p50)}</b>
      <span className="live-label">p99</span>
      <b>{formatMs(p99)}</b>
    </div>
  );
}

/** "in/out" counts of this node in the last preview (a string, so the selector compares by value). */
function usePreviewCounts(id: string): string | undefined {
  return useRun((s) => {
    const node = s.preview?.nodes.find((n) => n.id === id);
    return node === undefined ? undefined : `${node.in.length}/${node.out.length}`;
  });
}

function NodeStatsView({ id, kind }: { id: string; kind: string }) {
  const live = useTelemetry((s) => s.nodes[id] !== undefined);
  const preview = usePreviewCounts(id);
  if (!live && preview === undefined) return null;
  const [pin, pout] = (preview ?? '0/0').split('/');
  return (
    <div className="flow-node-live" data-testid={`node-live-${id}`}>
      {preview !== undefined && (
        <div className="preview-badge" data-testid={`node-preview-${id}`} data-in={pin} data-out={pout} title="records in the last preview">
          preview: {pin} in · {pout} out
        </div>
      )}
      {live && (
        <>
          <LiveNumbers id={id} />
          <Sparkline id={id} />
          {kind === 'source' && <Partitions id={id} />}
          {kind === 'sink' && <SinkAck id={id} />}
        </>
      )}
    </div>
  );
}

/** Live figures of one node (renders nothing before the first frame or preview). */
export const NodeStats = memo(NodeStatsView);
