// Paths in problems (`nodes[2].config.routes[1].expression`): formatted and read back.
import { describe, expect, it } from 'vitest';
import { formatPath, parsePath } from '../../runtime/common/flow-path';

describe('formatPath and parsePath', () => {
  it('formats and parses paths', () => {
    expect(formatPath(['nodes', 2, 'config', 'routes', 1, 'expression'])).toBe('nodes[2].config.routes[1].expression');
    expect(formatPath([])).toBe('');
    expect(formatPath(['layout', 'a b', 'x'])).toBe('layout["a b"].x');
    for (const path of [['config', 'routes', 1, 'expression'], ['layout', 'a.b"c', 'x'], [3], ['a-b']]) {
      expect(parsePath(formatPath(path))).toEqual(path);
    }
    expect(parsePath('')).toEqual([]);
    expect(parsePath('.a')).toBeUndefined();
    expect(parsePath('a[')).toBeUndefined();
  });
});
