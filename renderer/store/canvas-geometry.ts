/**
 * Canvas geometry of the background grid and the minimap (CanvasBackground.tsx, CanvasMiniMap.tsx): what a pan or zoom
 * changes, computed without the DOM, so that a pan only moves composited layers (a transform) and repaints nothing.
 */

/** A rectangle in flow coordinates (px at zoom 1). */
export interface FlowRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The background dot grid for one viewport: cell size and the layer's translation (screen px). */
export interface GridView {
  /** Distance between dots on screen (px): the grid gap times the zoom, doubled until it is at least `minCell`. */
  cell: number;
  /** Dot radius on screen (px). */
  radius: number;
  /** Translation of the grid layer (px, each in `[-cell, 0)`): moves the dots with the flow. */
  offsetX: number;
  offsetY: number;
}

/** Smallest distance between background dots on screen (px): closer dots are an unreadable haze. */
export const GRID_MIN_CELL_PX = 10;

/**
 * The dot grid for a React Flow transform `[x, y, zoom]`: dots sit at flow coordinates that are multiples of `gap` (flow
 * px); below `minCell` screen px apart every other dot is dropped (like a map's grid), so zoomed out the grid stays a
 * grid instead of 100,000 sub-pixel dots. The grid layer is one cell larger than the pane on each side and is
 * translated by `offset`, so a pan changes only its transform.
 */
export function gridView(transform: readonly [number, number, number], gap: number, minCell = GRID_MIN_CELL_PX): GridView {
  const [x, y, zoom] = transform;
  let cell = gap * zoom;
  if (!(cell > 0)) cell = gap;
  while (cell < minCell) cell *= 2;
  const offset = (v: number): number => {
    const m = ((v % cell) + cell) % cell;
    return m - cell;
  };
  return { cell, radius: Math.max(0.6, 0.5 * zoom), offsetX: offset(x), offsetY: offset(y) };
}

/**
 * Bounds of node rectangles with `padding` (a fraction of the larger side) around them; a 1×1 rectangle at the origin
 * when there are none.
 */
export function boundsOf(rects: readonly FlowRect[], padding = 0.05): FlowRect {
  if (rects.length === 0) return { x: 0, y: 0, width: 1, height: 1 };
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const r of rects) {
    minX = Math.min(minX, r.x);
    minY = Math.min(minY, r.y);
    maxX = Math.max(maxX, r.x + r.width);
    maxY = Math.max(maxY, r.y + r.height);
  }
  const pad = Math.max(maxX - minX, maxY - minY, 1) * padding;
  return { x: minX - pad, y: minY - pad, width: maxX - minX + 2 * pad, height: maxY - minY + 2 * pad };
}

/** How flow coordinates map onto a minimap of a given size: `map = (flow - origin) * scale + inset`. */
export interface MinimapFit {
  /** Minimap px per flow px. */
  scale: number;
  /** Flow coordinates shown at the minimap's `inset`. */
  originX: number;
  originY: number;
  /** Where `origin` lands in the minimap (px): centres the bounds on the shorter axis. */
  insetX: number;
  insetY: number;
}

/** Fits `bounds` (flow px) into a `width` × `height` minimap (px), centred, aspect ratio kept. */
export function fitMinimap(bounds: FlowRect, width: number, height: number): MinimapFit {
  const scale = Math.min(width / Math.max(bounds.width, 1), height / Math.max(bounds.height, 1));
  return {
    scale,
    originX: bounds.x,
    originY: bounds.y,
    insetX: (width - bounds.width * scale) / 2,
    insetY: (height - bounds.height * scale) / 2,
  };
}

/**
 * The visible part of the flow for a React Flow transform and pane size (screen px), as a rectangle in minimap px.
 */
export function viewportOnMinimap(transform: readonly [number, number, number], paneWidth: number, paneHeight: number, fit: MinimapFit): FlowRect {
  const [x, y, zoom] = transform;
  const z = zoom > 0 ? zoom : 1;
  return {
    x: (-x / z - fit.originX) * fit.scale + fit.insetX,
    y: (-y / z - fit.originY) * fit.scale + fit.insetY,
    width: (paneWidth / z) * fit.scale,
    height: (paneHeight / z) * fit.scale,
  };
}

/** One SVG path (`d`) drawing all `rects` (minimap px, rounded to 0.1 px): one element per colour instead of per node. */
export function rectsPath(rects: readonly FlowRect[]): string {
  const r = (v: number): number => Math.round(v * 10) / 10;
  return rects.map((rect) => `M${r(rect.x)} ${r(rect.y)}h${r(rect.width)}v${r(rect.height)}h${r(-rect.width)}z`).join('');
}
