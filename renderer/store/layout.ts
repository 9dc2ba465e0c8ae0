/**
 * The studio window's panel layout: default sizes, the storage keys the sizes are remembered under, and the rule that
 * keeps the canvas at least {@link CANVAS_MIN_SHARE} of the window when the bottom area opens by itself.
 *
 * Defaults: palette 12 % and inspector 18.5 % of the window width, the bottom area (samples, problems) collapsed to its
 * header ({@link BOTTOM_HEADER_PX}). At 1440×900 that leaves the canvas about 63 % of the window, at 1280×720 about 61 %
 * (toolbar 38 px and status bar 22 px included in the window).
 */

/** Share of the window area (0..1) the canvas keeps when the bottom area opens by itself. */
export const CANVAS_MIN_SHARE = 0.6;
/** Height of the bottom area's header bar (px): the collapsed size of the bottom area. */
export const BOTTOM_HEADER_PX = 26;
/** Smallest height (px) the bottom area opens to; below it, it stays collapsed and its header shows the count. */
export const BOTTOM_MIN_OPEN_PX = 120;
/** Height (px) the bottom area opens to when it was never resized. */
export const BOTTOM_DEFAULT_OPEN_PX = 220;

/** Default panel sizes (percent of their group, as react-resizable-panels takes them). */
export const PANEL_DEFAULTS = { palette: 12, inspector: 18.5 } as const;

/** localStorage ids of the remembered layouts (one per panel group). */
export const LAYOUT_STORAGE_IDS = { columns: 'tributary.layout.columns', center: 'tributary.layout.center' } as const;

/**
 * How tall (px) the bottom area may open without the canvas falling below {@link CANVAS_MIN_SHARE} of the window.
 * @param window the window's inner size (px)
 * @param canvasWidth the canvas width (px)
 * @param centerHeight the height (px) the canvas and the bottom area share
 * @returns the largest bottom height (px, never below {@link BOTTOM_HEADER_PX}) that keeps the canvas at its share
 */
export function bottomOpenBudget(window: { width: number; height: number }, canvasWidth: number, centerHeight: number): number {
  if (!(canvasWidth > 0)) return BOTTOM_HEADER_PX;
  const canvasMinHeight = Math.ceil((CANVAS_MIN_SHARE * window.width * window.height) / canvasWidth);
  return Math.max(BOTTOM_HEADER_PX, Math.floor(centerHeight - canvasMinHeight));
}
