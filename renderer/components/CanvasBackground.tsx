/**
 * The canvas' dot grid, cheap to pan: one layer one grid cell larger than the pane on each side, its dots a CSS
 * background, composited (`will-change: transform`) and moved by a transform written straight from React Flow's store
 * (no React render). A pan therefore repaints nothing: the compositor moves the layer. Only a zoom changes the cell
 * size (a repaint of this layer). Zoomed out (the simple level of detail) the grid is not shown (styles.css): it cannot
 * be a composited layer under hundreds of nodes there, and repainting it at every pan step cost as much as the nodes.
 * Replaces React Flow's `<Background>`, whose SVG pattern moves with every pan step and repaints the whole pane (about
 * 100,000 sub-pixel dots at the fitted view of 500 nodes).
 */
import { useStoreApi as useFlowStoreApi } from '@xyflow/react';
import { useEffect, useRef } from 'react';
import { gridView } from '../store/canvas-geometry';

/** The canvas background: dots every `gap` flow px (fewer when zoomed out, see {@link gridView}). */
export function CanvasBackground({ gap = 20 }: { gap?: number }) {
  const layer = useRef<HTMLDivElement>(null);
  const flowStore = useFlowStoreApi();
  useEffect(() => {
    let cell = Number.NaN;
    let radius = Number.NaN;
    const write = (): void => {
      const element = layer.current;
      if (element === null) return;
      const view = gridView(flowStore.getState().transform, gap);
      if (view.cell !== cell || view.radius !== radius) {
        cell = view.cell;
        radius = view.radius;
        element.style.inset = `${-cell}px`;
        element.style.backgroundSize = `${cell}px ${cell}px`;
        // The gradient's dot is at the centre of each tile: shift by half a tile so dots sit on the grid lines.
        element.style.backgroundPosition = `${cell / 2}px ${cell / 2}px`;
        element.style.setProperty('--grid-dot', `${radius}px`);
      }
      element.style.transform = `translate(${view.offsetX + cell}px, ${view.offsetY + cell}px)`;
    };
    write();
    let transform = flowStore.getState().transform;
    return flowStore.subscribe((state) => {
      if (state.transform === transform) return;
      transform = state.transform;
      write();
    });
  }, [flowStore, gap]);
  return <div ref={layer} className="canvas-grid" data-testid="canvas-grid" aria-hidden />;
}
