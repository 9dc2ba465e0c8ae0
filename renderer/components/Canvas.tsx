/**
 * The canvas: React Flow over the store's nodes and edges. Drop palette entries to add nodes (dropped on an edge, or a
 * node with no edges dragged onto one, they are inserted into it), double-click the pane to quick-add, drag from an
 * output port to an input port to connect (refused connections say why), minimap, fit view, auto-layout. Editable while
 * the studio's own run is active (Apply puts the edits live); read-only only while attached to headless instances
 * (`isEditLocked`). Telemetry never passes through here: nodes and edges read their own figures from the telemetry store, so the
 * `nodes` / `edges` arrays (and this component) do not change on a telemetry frame.
 *
 * For a smooth canvas with hundreds of nodes: once a drag pan moves, a transparent layer covers the canvas so that each
 * mousemove's hit test stops there instead of walking every node and handle; the batching live writer learns the
 * viewport (from React Flow's store, no DOM reads) so that it writes figures only for what is in view; below
 * `DETAIL_MIN_ZOOM` nodes and edges render their simple level of detail. The dot grid and the minimap are our own
 * (`CanvasBackground`, `CanvasMiniMap`): a pan moves them by a transform instead of repainting an SVG pattern and 500
 * minimap rectangles. (A composited viewport, `will-change: transform`, was measured and made frames much slower
 * here: see docs/BENCHMARKS.md.)
 */
import {
  Controls,
  Panel,
  ReactFlow,
  useReactFlow,
  useStore as useFlowStore,
  useStoreApi as useFlowStoreApi,
  type Connection,
  type FinalConnectionState,
  type EdgeTypes,
  type IsValidConnection,
  type NodeTypes,
  type OnMove,
  type OnNodeDrag,
  type ReactFlowInstance,
} from '@xyflow/react';
import { useCallback, useEffect, useRef, type DragEvent, type MouseEvent as ReactMouseEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { specRegistry } from '../../nodes/specs';
import { autoLayout } from '../canvas/auto-layout';
import { registerCanvasCommands } from '../menu';
import { useUi } from '../store/ui-store';
import { runStore, studioStore, useRun, useStudio } from '../store/index';
import { isEditLocked, isRunActive } from '../store/run-store';
import { connectionProblem } from '../store/graph-ops';
import { nearestEdge } from '../store/quick-add-edge';
import { quickAddStore } from '../store/quick-add-store';
import { uiStore } from '../store/ui-store';
import { CanvasBackground } from './CanvasBackground';
import { CanvasMiniMap, FIT_VIEW_PADDING } from './CanvasMiniMap';
import { FlowNode } from './FlowNode';
import { DETAIL_MIN_ZOOM, liveWriters, ZoomedOutContext } from './live-hub';
import { LiveEdge } from './LiveEdge';
import { QuickAdd } from './QuickAdd';
import { TraceView } from './TraceView';

/** The drag-and-drop data type of palette entries (its value is the node type). */
export const NODE_DRAG_TYPE = 'application/x-tributary-node';

/** Node components by React Flow type: module scope, so React Flow never sees a new object. */
const nodeTypes: NodeTypes = { flowNode: FlowNode };
/** Every edge is a live edge (its stroke follows its rate); module scope too. */
const edgeTypes: EdgeTypes = { default: LiveEdge };

const isValidConnection: IsValidConnection = (connection) => {
  const { nodes, edges } = studioStore.getState();
  return connectionProblem(nodes, edges, connection) === undefined;
};

function onConnect(connection: Connection): void {
  if (isEditLocked(runStore.getState().runState)) return;
  const reason = studioStore.getState().edgeConnected(connection);
  if (reason !== undefined) uiStore.getState().noticeShown('error', `Connection refused: ${reason}`);
}

function onConnectEnd(_event: MouseEvent | TouchEvent, state: FinalConnectionState): void {
  if (state.isValid !== false || state.fromNode === null || state.toNode === null || state.fromHandle === null) return;
  const from = state.fromHandle.type === 'source';
  const connection = {
    source: from ? state.fromNode.id : state.toNode.id,
    sourceHandle: from ? state.fromHandle.id ?? null : state.toHandle?.id ?? null,
    target: from ? state.toNode.id : state.fromNode.id,
    targetHandle: from ? state.toHandle?.id ?? null : state.fromHandle.id ?? null,
  };
  const { nodes, edges } = studioStore.getState();
  const reason = connectionProblem(nodes, edges, connection) ?? 'connect an output port (right) to an input port (left)';
  uiStore.getState().noticeShown('error', `Connection refused: ${reason}`);
}

/** How near an edge's path a drop must be to insert the node into that edge (screen px). */
const EDGE_DROP_PX = 12;

/** The edge whose path passes nearest a client point, within {@link EDGE_DROP_PX}; undefined when none. */
function edgeAt(flow: Pick<ReactFlowInstance, 'screenToFlowPosition' | 'getZoom'>, canvas: HTMLElement | null, client: { x: number; y: number }): string | undefined {
  if (canvas === null) return undefined;
  // Each live edge's path carries the edge id as its element id; its coordinates are flow units.
  const paths = canvas.querySelectorAll<SVGPathElement>('path.live-edge-path');
  return nearestEdge(paths, flow.screenToFlowPosition(client), EDGE_DROP_PX / flow.getZoom());
}

/** Live figures are also written for nodes this far outside the visible area (screen px), so a short pan shows them. */
const LIVE_MARGIN_PX = 150;

/** The flow canvas. */
export function Canvas() {
  const { nodes, edges } = useStudio(useShallow((s) => ({ nodes: s.nodes, edges: s.edges })));
  const actions = useStudio(
    useShallow((s) => ({ nodesChanged: s.nodesChanged, edgesChanged: s.edgesChanged, selectionCleared: s.selectionCleared })),
  );
  const running = useRun((s) => isRunActive(s.runState));
  const attached = useRun((s) => isEditLocked(s.runState));
  const theme = useUi((s) => s.theme);
  const opened = useStudio((s) => s.opened);
  const flow = useReactFlow();
  // Below 45 % zoom the live numbers are unreadable: nodes and edges switch to their simple level of detail (title,
  // highlight, handles, edge strokes). Re-renders only when the threshold is crossed.
  const zoomedOut = useFlowStore((s) => s.transform[2] < DETAIL_MIN_ZOOM);
  const flowStore = useFlowStoreApi();
  const root = useRef<HTMLDivElement>(null);
  /** True while the view is a fitted one: refitted when the canvas changes size (see below). */
  const fitted = useRef(false);

  // The live writer's view of the canvas: visible area and node bounds in flow coordinates, from React Flow's store.
  useEffect(() => {
    liveWriters.setViewportSource({
      visibleRect() {
        const { transform, width, height } = flowStore.getState();
        const [x, y, zoom] = transform;
        if (width === 0 || height === 0 || !(zoom > 0)) return undefined;
        return {
          x: (-x - LIVE_MARGIN_PX) / zoom,
          y: (-y - LIVE_MARGIN_PX) / zoom,
          width: (width + 2 * LIVE_MARGIN_PX) / zoom,
          height: (height + 2 * LIVE_MARGIN_PX) / zoom,
        };
      },
      nodeRect(id) {
        const node = flowStore.getState().nodeLookup.get(id);
        if (node === undefined) return undefined;
        const { x, y } = node.internals.positionAbsolute;
        return { x, y, width: node.measured.width ?? 0, height: node.measured.height ?? 0 };
      },
    });
    return () => liveWriters.setViewportSource(undefined);
  }, [flowStore]);

  // Once a drag pan actually moves, a layer over the canvas takes the hit tests (CSS on `data-moving`, an attribute
  // React does not manage, so a re-render mid-gesture keeps it). It is set on the first move, not on mousedown, so a
  // click on the pane still reaches the pane; not for wheel zooms, whose events must keep reaching the pane.
  const onMoveStart = useCallback<OnMove>(() => root.current?.setAttribute('data-moving', 'move'), []);
  const onMove = useCallback<OnMove>((event) => {
    if (event !== null) fitted.current = false; // the user panned or zoomed: the view is theirs now
    if (event !== null && event.type !== 'wheel' && root.current?.getAttribute('data-moving') === 'move') root.current.setAttribute('data-moving', 'drag');
    liveWriters.viewportChanged();
  }, []);
  const onMoveEnd = useCallback<OnMove>(() => {
    root.current?.removeAttribute('data-moving');
    liveWriters.viewportChanged();
  }, []);

  // A freshly opened flow is shown whole; an empty one starts at the origin, at 100 %.
  useEffect(() => {
    if (opened === 0) return;
    const timer = setTimeout(() => {
      if (studioStore.getState().nodes.length > 0) {
        void flow.fitView({ padding: FIT_VIEW_PADDING, maxZoom: 1 });
        fitted.current = true;
      } else void flow.setViewport({ x: 0, y: 0, zoom: 1 });
    }, 50);
    return () => clearTimeout(timer);
  }, [opened, flow]);

  // While the view is the fitted one (the user has not panned, zoomed, added or moved nodes since), a change of the
  // canvas's size (the bottom area opening, a panel dragged, the window resized) fits it again, so the flow never ends
  // up under the minimap or out of sight.
  useEffect(() => {
    const element = root.current;
    if (element === null || typeof ResizeObserver === 'undefined') return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const observer = new ResizeObserver(() => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        if (fitted.current && studioStore.getState().nodes.length > 0) void flow.fitView({ padding: FIT_VIEW_PADDING, maxZoom: 1, duration: 150 });
      }, 80);
    });
    observer.observe(element);
    // Adding, removing or moving nodes makes the view the user's too: a refit would move what they are working on.
    const unsubscribe = studioStore.subscribe((state, previous) => {
      if (state.nodes === previous.nodes || !fitted.current) return;
      if (state.nodes.length !== previous.nodes.length || state.nodes.some((node, i) => node.position !== previous.nodes[i]?.position)) fitted.current = false;
    });
    return () => {
      if (timer !== undefined) clearTimeout(timer);
      observer.disconnect();
      unsubscribe();
    };
  }, [flow]);

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(NODE_DRAG_TYPE)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(NODE_DRAG_TYPE);
      if (type === '' || !specRegistry.has(type)) return;
      event.preventDefault();
      if (isEditLocked(runStore.getState().runState)) {
        uiStore.getState().noticeShown('error', 'The canvas is read-only while attached to headless instances; detach to edit.');
        return;
      }
      const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      // Snap to a 20 px grid so that files stay tidy.
      const position = { x: Math.round(at.x / 20) * 20, y: Math.round(at.y / 20) * 20 };
      // Dropped on an edge: inserted into it (a source or a sink is just placed, with the reason).
      const edge = edgeAt(flow, root.current, { x: event.clientX, y: event.clientY });
      if (edge === undefined) studioStore.getState().nodeDropped(type, position);
      else {
        const { reason } = studioStore.getState().nodeDroppedOnEdge(type, position, edge);
        if (reason !== undefined) uiStore.getState().noticeShown('info', `Placed, not inserted into the edge: ${reason}.`);
      }
    },
    [flow],
  );

  // A node with no edges dragged onto an edge and released there is inserted into it, in the drag's undo step.
  const onNodeDragStop = useCallback<OnNodeDrag>(
    (event, node, dragged) => {
      if (dragged.length !== 1 || isEditLocked(runStore.getState().runState)) return;
      if (studioStore.getState().edges.some((e) => e.source === node.id || e.target === node.id)) return;
      const pointer = 'changedTouches' in event ? event.changedTouches[0] : event;
      const edge = pointer === undefined ? undefined : edgeAt(flow, root.current, { x: pointer.clientX, y: pointer.clientY });
      if (edge === undefined) return;
      const reason = studioStore.getState().nodeInsertedIntoEdge(node.id, edge, true);
      if (reason !== undefined) uiStore.getState().noticeShown('info', `Not inserted into the edge: ${reason}.`);
    },
    [flow],
  );

  // A double-click on the empty pane opens the quick-add box there.
  const onDoubleClick = useCallback((event: ReactMouseEvent) => {
    if (!(event.target instanceof Element) || !event.target.classList.contains('react-flow__pane')) return;
    if (isEditLocked(runStore.getState().runState)) return;
    quickAddStore.getState().opened({ x: event.clientX, y: event.clientY });
  }, []);

  const layout = useCallback(async () => {
    const state = studioStore.getState();
    try {
      state.layoutApplied(await autoLayout(state.nodes, state.edges));
      fitted.current = true;
      requestAnimationFrame(() => void flow.fitView({ padding: FIT_VIEW_PADDING, duration: 200 }));
    } catch (error) {
      uiStore.getState().noticeShown('error', `auto-layout failed: ${(error as Error).message}`);
    }
  }, [flow]);

  useEffect(() => {
    registerCanvasCommands({
      zoomIn: () => void flow.zoomIn({ duration: 150 }),
      zoomOut: () => void flow.zoomOut({ duration: 150 }),
      zoomReset: () => void flow.zoomTo(1, { duration: 150 }),
      fit: () => {
        fitted.current = true;
        void flow.fitView({ padding: FIT_VIEW_PADDING, duration: 200 });
      },
      autoLayout: () => void layout(),
    });
    return () => registerCanvasCommands(undefined);
  }, [flow, layout]);

  return (
    <div
      ref={root}
      className={`canvas${attached ? ' read-only' : ''}${zoomedOut ? ' zoomed-out' : ''}`}
      data-testid="canvas"
      onDragOver={onDragOver}
      onDrop={onDrop}
      onDoubleClick={onDoubleClick}
    >
      <ZoomedOutContext value={zoomedOut}>
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          onNodesChange={actions.nodesChanged}
          onEdgesChange={actions.edgesChanged}
          onConnect={onConnect}
          onConnectEnd={onConnectEnd}
          onPaneClick={actions.selectionCleared}
          onNodeDragStop={onNodeDragStop}
          zoomOnDoubleClick={false}
          onMoveStart={onMoveStart}
          onMove={onMove}
          onMoveEnd={onMoveEnd}
          isValidConnection={isValidConnection}
          nodesDraggable={!attached}
          nodesConnectable={!attached}
          deleteKeyCode={null}
          selectionKeyCode="Shift"
          multiSelectionKeyCode={['Meta', 'Control']}
          colorMode={theme}
          minZoom={0.2}
          maxZoom={2}
          proOptions={{ hideAttribution: true }}
        >
          <CanvasBackground gap={20} />
          <Controls showInteractive={false} fitViewOptions={{ padding: FIT_VIEW_PADDING }} />
          <CanvasMiniMap />
          <TraceView />
          <Panel position="top-right" className="canvas-actions">
            <button type="button" data-testid="auto-layout" onClick={() => void layout()} disabled={attached}>
              Auto-layout
            </button>
            <button
              type="button"
              data-testid="fit-view"
              onClick={() => {
                fitted.current = true;
                void flow.fitView({ padding: FIT_VIEW_PADDING, duration: 200 });
              }}
            >
              Fit view
            </button>
          </Panel>
          {running && (
            // Attached: a warning (nothing can be edited). Running: a quiet info strip in the corner, transparent to
            // the pointer, so it neither draws the eye nor hides or blocks the nodes being edited.
            <Panel position={attached ? 'top-center' : 'top-left'} className={attached ? 'read-only-banner' : 'run-info-strip'} data-testid="read-only-banner">
              {attached
                ? 'Attached to headless instances: the canvas is read-only. Detach to edit.'
                : 'The flow is running: edit it here, then Apply to put the changes live.'}
            </Panel>
          )}
          {nodes.length === 0 && (
            <Panel position="top-center" className="empty-hint" data-testid="empty-hint">
              Drag a source, transforms and a sink from the palette, then wire output ports (right) to input ports (left).
            </Panel>
          )}
        </ReactFlow>
        <QuickAdd />
      </ZoomedOutContext>
    </div>
  );
}
