/**
 * Geometry of the canvas' background grid and minimap: a pan only changes the grid layer's translation and the
 * minimap frame's position, dots stay on multiples of the gap, zoomed out the grid thins out instead of turning into
 * sub-pixel dots, and the minimap fits the nodes' bounds and draws all rectangles of a kind as one path.
 */
import { describe, expect, it } from 'vitest';
import { boundsOf, fitMinimap, gridView, GRID_MIN_CELL_PX, rectsPath, viewportOnMinimap } from '../../renderer/store/canvas-geometry';

describe('gridView', () => {
  it('puts dots on screen multiples of gap × zoom, offset in [-cell, 0)', () => {
    const view = gridView([37, -12, 1], 20);
    expect(view.cell).toBe(20);
    expect(view.offsetX).toBe(17 - 20);
    expect(view.offsetY).toBe(8 - 20);
    // A dot of the grid (flow x = 0 is on screen at x = 37) is at offset + k × cell.
    expect((37 - view.offsetX) % view.cell).toBe(0);
  });

  it('a pan by a whole cell changes nothing; a pan by less only the offset', () => {
    const a = gridView([100, 50, 1.5], 20);
    expect(gridView([130, 80, 1.5], 20)).toEqual(a);
    const b = gridView([105, 50, 1.5], 20);
    expect(b.cell).toBe(a.cell);
    expect(b.offsetX).toBeCloseTo(a.offsetX + 5);
  });

  it('zoomed out, doubles the gap until dots are at least the minimum apart', () => {
    const view = gridView([0, 0, 0.2], 20);
    expect(view.cell).toBe(16);
    expect(view.cell).toBeGreaterThanOrEqual(GRID_MIN_CELL_PX);
    expect(view.radius).toBeGreaterThan(0.5);
    expect(gridView([0, 0, 2], 20).radius).toBe(1);
  });
});

describe('minimap', () => {
  const rects = [
    { x: 0, y: 0, width: 200, height: 100 },
    { x: 800, y: 300, width: 200, height: 100 },
  ];

  it('bounds the nodes with padding', () => {
    expect(boundsOf(rects, 0.05)).toEqual({ x: -50, y: -50, width: 1100, height: 500 });
    expect(boundsOf([])).toEqual({ x: 0, y: 0, width: 1, height: 1 });
  });

  it('fits the bounds centred, and maps the visible area onto it', () => {
    const fit = fitMinimap({ x: 0, y: 0, width: 1000, height: 400 }, 200, 150);
    expect(fit.scale).toBe(0.2);
    expect(fit.insetX).toBe(0);
    expect(fit.insetY).toBe(35);
    // A 1000 × 500 pane at zoom 0.5 showing flow x from 200: 2000 × 1000 flow px.
    const view = viewportOnMinimap([-100, 0, 0.5], 1000, 500, fit);
    expect(view).toEqual({ x: 40, y: 35, width: 400, height: 200 });
    // Panning moves the frame, not its size.
    const panned = viewportOnMinimap([-150, 0, 0.5], 1000, 500, fit);
    expect(panned.width).toBe(view.width);
    expect(panned.x).toBe(60);
  });

  it('draws rectangles as one path', () => {
    expect(rectsPath([{ x: 1.04, y: 2, width: 3, height: 4 }, { x: 10, y: 0, width: 1, height: 1 }])).toBe('M1 2h3v4h-3zM10 0h1v1h-1z');
  });
});
