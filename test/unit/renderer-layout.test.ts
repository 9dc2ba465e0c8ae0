/** The bottom area's opening budget: the canvas keeps 60 % of the window (store/layout.ts). */
import { describe, expect, it } from 'vitest';
import { BOTTOM_HEADER_PX, bottomOpenBudget, CANVAS_MIN_SHARE } from '../../renderer/store/layout';

describe('bottomOpenBudget', () => {
  it('leaves the canvas its share of the window', () => {
    const window = { width: 1440, height: 900 };
    const budget = bottomOpenBudget(window, 1172, 836);
    expect(budget).toBe(836 - Math.ceil((CANVAS_MIN_SHARE * 1440 * 900) / 1172));
    expect(1172 * (836 - budget)).toBeGreaterThanOrEqual(CANVAS_MIN_SHARE * 1440 * 900);
    expect(1172 * (836 - budget - 1)).toBeLessThan(CANVAS_MIN_SHARE * 1440 * 900);
  });

  it('never goes below the header, even when the canvas is already too small', () => {
    expect(bottomOpenBudget({ width: 1280, height: 720 }, 600, 600)).toBe(BOTTOM_HEADER_PX);
    expect(bottomOpenBudget({ width: 1280, height: 720 }, 0, 600)).toBe(BOTTOM_HEADER_PX);
  });
});
