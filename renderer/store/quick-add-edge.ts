/**
 * Which edge a drop point is on: the edge whose path passes nearest the point, within a tolerance. Paths are sampled
 * along their length (every few px), which is plenty for the canvas's gentle bezier curves. No DOM types: the canvas
 * passes its SVG paths in (`SVGPathElement` has `getTotalLength` and `getPointAtLength`).
 */

/** An edge's path as the hit test needs it (coordinates in flow units, like the point). */
export interface EdgePath {
  id: string;
  getTotalLength(): number;
  getPointAtLength(length: number): { x: number; y: number };
}

/** Distance between samples along a path (flow units). */
const SAMPLE_STEP = 4;

/**
 * The id of the edge passing nearest `point` and within `tolerance` (both in flow units), or undefined.
 * @param paths the edges' paths
 * @param point the drop point
 * @param tolerance the largest distance that still counts as "on the edge" (the canvas uses 12 screen px / zoom)
 */
export function nearestEdge(paths: Iterable<EdgePath>, point: { x: number; y: number }, tolerance: number): string | undefined {
  let best: string | undefined;
  let bestDistance = tolerance;
  for (const path of paths) {
    const length = path.getTotalLength();
    const steps = Math.max(1, Math.ceil(length / SAMPLE_STEP));
    for (let i = 0; i <= steps; i++) {
      const p = path.getPointAtLength((length * i) / steps);
      const distance = Math.hypot(p.x - point.x, p.y - point.y);
      if (distance <= bestDistance) {
        bestDistance = distance;
        best = path.id;
      }
    }
  }
  return best;
}
