/**
 * The canvas minimap, cheap to pan: the nodes are drawn once per change of the flow (one SVG path per node kind, not
 * one element per node) at a fixed fit of the nodes' bounds, and the visible area is a composited frame
 * (`will-change: transform`) moved by a transform written straight from React Flow's store. A pan of the canvas
 * therefore repaints nothing here: React Flow's `<MiniMap>` changes its SVG `viewBox` with every pan step and repaints
 * its 500 node rectangles and mask. Nodes are filled with their kind's colour (source, transform, sink: the nodes' own
 * border colours), and the canvas's fit view leaves a band for the minimap (`FIT_VIEW_PADDING`), so it covers no
 * node of a fitted flow. Drag on the minimap to pan the canvas, wheel over it to zoom (like `<MiniMap pannable
 * zoomable>`); the area outside the nodes' bounds is not shown (the frame is clipped at the minimap's edge).
 */
import { Panel, useStore as useFlowStore, useStoreApi as useFlowStoreApi, type ReactFlowState } from '@xyflow/react';
import { useEffect, useMemo, useRef, type PointerEvent as ReactPointerEvent } from 'react';
import { boundsOf, fitMinimap, rectsPath, viewportOnMinimap, type FlowRect, type MinimapFit } from '../store/canvas-geometry';

/** Minimap size (px). */
const WIDTH = 180;
const HEIGHT = 120;
/** The minimap's distance from the canvas edges (px): React Flow's `<Panel>` margin. */
const MARGIN = 15;

/**
 * The padding of every fit view of the canvas (px): the band at the bottom is as tall as the minimap and its margins,
 * so a fitted flow lies above the minimap (bottom right) and the zoom controls (bottom left) and never under them.
 */
export const FIT_VIEW_PADDING = { top: '40px', left: '40px', right: '40px', bottom: `${HEIGHT + 2 * MARGIN}px` } as const;
/** Zoom factor per wheel notch (100 px of `deltaY`) over the minimap. */
const WHEEL_ZOOM_STEP = 1.2;

/** Node kinds (the type's first segment) in drawing order; anything else is drawn as `other`. */
const KINDS = ['source', 'transform', 'sink'] as const;

/** The nodes' rectangles per kind (flow px), from React Flow's node lookup (absolute positions, measured sizes). */
function kindRects(state: ReactFlowState): Map<string, FlowRect[]> {
  const byKind = new Map<string, FlowRect[]>();
  for (const node of state.nodeLookup.values()) {
    if (node.hidden === true) continue;
    const type = typeof node.data.type === 'string' ? node.data.type : '';
    const prefix = type.split('.')[0] ?? '';
    const kind = (KINDS as readonly string[]).includes(prefix) ? prefix : 'other';
    const { x, y } = node.internals.positionAbsolute;
    const rect = { x, y, width: node.measured.width ?? node.width ?? 200, height: node.measured.height ?? node.height ?? 80 };
    let list = byKind.get(kind);
    if (list === undefined) byKind.set(kind, (list = []));
    list.push(rect);
  }
  return byKind;
}

/** The canvas minimap (bottom right; not shown for an empty flow). */
export function CanvasMiniMap() {
  const flowStore = useFlowStoreApi();
  // The node lookup is updated in place; `nodes` changes (a new array) whenever a node moves, is measured, added or removed.
  const nodes = useFlowStore((s) => s.nodes);
  const { paths, fit } = useMemo(() => {
    void nodes;
    const byKind = kindRects(flowStore.getState());
    const fit = fitMinimap(boundsOf([...byKind.values()].flat()), WIDTH, HEIGHT);
    const toMap = (r: FlowRect): FlowRect => ({
      x: (r.x - fit.originX) * fit.scale + fit.insetX,
      y: (r.y - fit.originY) * fit.scale + fit.insetY,
      width: r.width * fit.scale,
      height: r.height * fit.scale,
    });
    const paths = [...byKind.entries()].map(([kind, rects]) => ({ kind, d: rectsPath(rects.map(toMap)) }));
    return { paths, fit };
  }, [nodes, flowStore]);
  const frame = useRef<HTMLDivElement>(null);
  const fitRef = useRef<MinimapFit>(fit);
  fitRef.current = fit;

  // The visible-area frame follows the canvas transform without React: its transform on every pan step, its size on zoom.
  useEffect(() => {
    let width = Number.NaN;
    let height = Number.NaN;
    const write = (): void => {
      const element = frame.current;
      if (element === null) return;
      const state = flowStore.getState();
      const view = viewportOnMinimap(state.transform, state.width, state.height, fit);
      if (view.width !== width || view.height !== height) {
        element.style.width = `${(width = view.width)}px`;
        element.style.height = `${(height = view.height)}px`;
      }
      element.style.transform = `translate(${view.x}px, ${view.y}px)`;
    };
    write();
    let { transform, width: paneWidth, height: paneHeight } = flowStore.getState();
    return flowStore.subscribe((state) => {
      if (state.transform === transform && state.width === paneWidth && state.height === paneHeight) return;
      ({ transform, width: paneWidth, height: paneHeight } = state);
      write();
    });
  }, [flowStore, fit]);

  // Wheel over the minimap zooms the canvas around the visible area's centre (a non-passive listener, to keep the page still).
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = root.current;
    if (element === null) return;
    const onWheel = (event: WheelEvent): void => {
      event.preventDefault();
      const { panZoom, transform, width, height, minZoom, maxZoom } = flowStore.getState();
      if (panZoom === null) return;
      const [x, y, zoom] = transform;
      const next = Math.min(maxZoom, Math.max(minZoom, zoom * WHEEL_ZOOM_STEP ** (-event.deltaY / 100)));
      const cx = (width / 2 - x) / zoom;
      const cy = (height / 2 - y) / zoom;
      void panZoom.setViewport({ x: width / 2 - cx * next, y: height / 2 - cy * next, zoom: next });
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    return () => element.removeEventListener('wheel', onWheel);
  }, [flowStore]);

  // Dragging on the minimap moves the visible area with the pointer.
  const onPointerDown = (event: ReactPointerEvent<HTMLDivElement>): void => {
    if (event.button !== 0) return;
    const element = event.currentTarget;
    element.setPointerCapture(event.pointerId);
    let lastX = event.clientX;
    let lastY = event.clientY;
    const move = (e: PointerEvent): void => {
      const { panZoom, transform } = flowStore.getState();
      if (panZoom === null) return;
      const [x, y, zoom] = transform;
      const scale = fitRef.current.scale;
      const dx = ((e.clientX - lastX) / scale) * zoom;
      const dy = ((e.clientY - lastY) / scale) * zoom;
      lastX = e.clientX;
      lastY = e.clientY;
      void panZoom.setViewport({ x: x - dx, y: y - dy, zoom });
    };
    const up = (): void => {
      element.removeEventListener('pointermove', move);
      element.removeEventListener('pointerup', up);
      element.removeEventListener('pointercancel', up);
    };
    element.addEventListener('pointermove', move);
    element.addEventListener('pointerup', up);
    element.addEventListener('pointercancel', up);
  };

  return (
    <Panel position="bottom-right" className="canvas-minimap-panel">
      <div ref={root} className="canvas-minimap nopan nowheel" data-testid="minimap" style={{ width: WIDTH, height: HEIGHT, display: nodes.length === 0 ? 'none' : undefined }} onPointerDown={onPointerDown}>
        <svg width={WIDTH} height={HEIGHT} role="img" aria-label="Minimap of the flow">
          {paths.map(({ kind, d }) => (
            <path key={kind} className={`canvas-minimap-nodes kind-${kind}`} d={d} />
          ))}
        </svg>
        <div ref={frame} className="canvas-minimap-view" />
      </div>
    </Panel>
  );
}
