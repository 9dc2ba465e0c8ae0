/**
 * Live figures inside a canvas node: records in/out with their rates, errors, p99 batch latency, a 60 s throughput
 * sparkline, Kafka partitions (committed vs high watermark, lag), sink ack latency, and the preview's counts.
 *
 * React renders the structure only (which parts exist, the partition rows); every figure is written straight to the DOM
 * by one {@link LiveWriter} per node, registered with the batching writer (`liveWriters`): all writes of a telemetry
 * frame happen in one animation frame, only for nodes in view, and only where the text changed. A telemetry frame
 * never re-renders this component (only a change of structure does: first frame, partitions assigned, ack figures
 * appearing). Nothing here touches React Flow node data.
 */
import { memo, useEffect, useLayoutEffect, useRef } from 'react';
import type { PartitionTelemetry } from '../../runtime/common/telemetry';
import { formatCount, formatMs, formatRate, sparklinePoints } from '../store/samples';
import { telemetryStore, useRun, useTelemetry } from '../store/index';
import { partitionLayout } from '../store/live-display';
import type { LiveWriterHandle } from '../store/live-writer';
import type { TelemetryState } from '../store/telemetry-store';
import { liveWriters } from './live-hub';

/** Height of one row of figures (px): `--live-row` in styles.css; fixed so that each written part is a relayout boundary. */
const LIVE_ROW_PX = 15;
/** Sparkline size (px). */
const SPARK_W = 176;
const SPARK_H = 18;

/** An element written transiently and what was last written to it (so unchanged figures cost nothing). */
interface Figure {
  el: Element | null;
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

/** Sets an attribute of a figure when it changed (the figure's `raw` holds the last value). */
function putAttribute(f: Figure, name: string, value: string): void {
  if (f.el === null || f.raw === value) return;
  f.raw = value;
  f.el.setAttribute(name, value);
}

const NO_PARTITIONS: readonly PartitionTelemetry[] = [];

/** The elements of one node's figures, found once per structure change. */
interface Figures {
  in: Figure;
  out: Figure;
  rin: Figure;
  rout: Figure;
  err: Figure;
  p99: Figure;
  spark: Figure;
  sparkTitle: Figure;
  lag: Figure;
  ack50: Figure;
  ack99: Figure;
  offsets: Figure[];
  lags: Figure[];
  /** The lag cells again, for their `data-lag` attribute. */
  lagAttributes: Figure[];
}

function findFigures(root: HTMLElement): Figures {
  const find = (name: string): Figure => ({ el: root.querySelector(`[data-f="${name}"]`), text: '', raw: '' });
  const all = (name: string): Figure[] => [...root.querySelectorAll(`[data-f="${name}"]`)].map((el) => ({ el, text: '', raw: '' }));
  return {
    in: find('in'),
    out: find('out'),
    rin: find('rin'),
    rout: find('rout'),
    err: find('err'),
    p99: find('p99'),
    spark: find('spark'),
    sparkTitle: find('spark-title'),
    lag: find('lag'),
    ack50: find('ack50'),
    ack99: find('ack99'),
    offsets: all('offsets'),
    lags: all('plag'),
    lagAttributes: all('plag'),
  };
}

/** Writes one node's figures from `state` (no layout reads). */
function writeFigures(f: Figures, root: HTMLElement, id: string, state: TelemetryState, shown: { title: string; history: readonly number[] | undefined }): void {
  const live = state.nodes[id];
  if (live !== undefined) {
    put(f.in, formatCount(live.in), live.in);
    put(f.out, formatCount(live.out), live.out);
    put(f.rin, `${formatRate(live.rateIn)}/s`, live.rateIn);
    put(f.rout, `${formatRate(live.rateOut)}/s`, live.rateOut);
    put(f.err, formatCount(live.errors), live.errors);
    put(f.p99, formatMs(live.p99), live.p99);
    const title = live.lastError === undefined ? '' : `last error: ${live.lastError}`;
    if (title !== shown.title) root.title = shown.title = title;
    if (live.history !== shown.history && f.spark.el !== null) {
      shown.history = live.history;
      putAttribute(f.spark, 'points', sparklinePoints(live.history, SPARK_W, SPARK_H));
      const peak = live.history.length === 0 ? 0 : Math.max(...live.history);
      put(f.sparkTitle, `records/s in over the last ${live.history.length} s (peak ${formatRate(peak)}/s)`, null);
    }
  }
  const partitions = state.partitions[id];
  if (partitions !== undefined) {
    let lag = 0;
    for (const p of partitions) lag += p.lag;
    put(f.lag, formatCount(lag), lag);
    partitions.forEach((p, i) => {
      const offsets = f.offsets[i];
      const lags = f.lags[i];
      const lagAttribute = f.lagAttributes[i];
      if (offsets !== undefined) put(offsets, `${p.committed < 0 ? '—' : formatCount(p.committed)} / ${formatCount(p.highWatermark)}`, null);
      if (lags !== undefined) put(lags, `lag ${formatCount(p.lag)}`, null);
      if (lagAttribute !== undefined) putAttribute(lagAttribute, 'data-lag', String(p.lag));
    });
  }
  const ack = state.sinkAck[id];
  if (ack !== undefined) {
    put(f.ack50, formatMs(ack.p50), null);
    put(f.ack99, formatMs(ack.p99), null);
  }
}

/** The live part of a node: the structure, written transiently by one registered writer. */
function LiveFigures({ id, kind }: { id: string; kind: string }) {
  const root = useRef<HTMLDivElement>(null);
  const handle = useRef<{ writer: LiveWriterHandle; refresh(): void } | undefined>(undefined);
  const layout = useTelemetry((s) => (kind === 'source' ? partitionLayout(s.partitions[id]) : ''));
  const hasAck = useTelemetry((s) => kind === 'sink' && s.sinkAck[id] !== undefined);

  useEffect(() => {
    const el = root.current;
    if (el === null) return;
    let figures = findFigures(el);
    const shown = { title: '', history: undefined as readonly number[] | undefined };
    const writer = liveWriters.register({
      nodes: [id],
      changed: (state, previous) =>
        state.nodes[id] !== previous.nodes[id] || state.partitions[id] !== previous.partitions[id] || state.sinkAck[id] !== previous.sinkAck[id],
      write: (state) => writeFigures(figures, el, id, state, shown),
    });
    handle.current = {
      writer,
      refresh() {
        figures = findFigures(el);
        shown.history = undefined;
        writer.invalidate();
      },
    };
    return () => {
      handle.current = undefined;
      writer.remove();
    };
  }, [id]);
  // A structure change (partition rows, ack row) replaced elements: find them again and write them.
  useLayoutEffect(() => handle.current?.refresh(), [layout, hasAck]);

  const partitions = layout === '' ? NO_PARTITIONS : (telemetryStore.getState().partitions[id] ?? NO_PARTITIONS);
  return (
    <div className="live-figures" ref={root}>
      <div className="live-numbers">
        <div className="live-row">
          <span className="live-label">in</span>
          <b data-f="in" data-testid={`node-in-${id}`} />
          <span className="live-rate" data-f="rin" data-testid={`node-rate-in-${id}`} />
        </div>
        <div className="live-row">
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
      <svg className="sparkline" width={SPARK_W} height={SPARK_H} data-testid={`node-sparkline-${id}`} aria-label="records/s in over the last 60 s">
        <title data-f="spark-title" />
        <polyline data-f="spark" />
      </svg>
      {partitions.length > 0 && (
        <div className="live-partitions" data-testid={`node-partitions-${id}`} style={{ height: (partitions.length + 1) * LIVE_ROW_PX }}>
          <div className="live-row">
            <span className="live-label">
              {partitions.length} partition{partitions.length === 1 ? '' : 's'}, lag
            </span>
            <b data-f="lag" data-testid={`node-lag-${id}`} />
          </div>
          <table>
            <tbody>
              {partitions.map((p) => (
                <tr
                  key={`${p.topic}:${p.partition}`}
                  className={p.paused ? 'paused' : undefined}
                  data-testid={`partition-${id}-${p.partition}`}
                  title={`${p.topic} [${p.partition}]${p.owner === undefined ? '' : ` owned by ${p.owner}`}${p.paused ? ' (paused: backpressure)' : ''}`}
                >
                  <td>p{p.partition}</td>
                  <td data-f="offsets" />
                  <td data-f="plag" />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {hasAck && (
        <div className="live-row live-ack" data-testid={`node-ack-${id}`}>
          <span className="live-label">ack p50</span>
          <b data-f="ack50" />
          <span className="live-label">p99</span>
          <b data-f="ack99" />
        </div>
      )}
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
      {live && <LiveFigures id={id} kind={kind} />}
    </div>
  );
}

/**
 * Live figures of one node (renders nothing before the first frame or preview). The node leaves it out entirely when
 * the canvas is zoomed out.
 */
export const NodeStats = memo(NodeStatsView);
