// The renderer build's freshness check on a tree of its own: missing build, current build, a changed, a removed and
// an unlisted input.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILD_INPUTS_FILE, RENDERER_OUT_DIR, rendererBuildReason } from '../../runtime/studio/renderer-build';

let root: string;
const builtAt = new Date('2026-01-01T00:00:00Z');
const before = new Date('2025-12-31T00:00:00Z');
const after = new Date('2026-01-02T00:00:00Z');

/** Writes `path` under the tree with the given modification time. */
function write(path: string, text: string, mtime: Date): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
  utimesSync(join(root, path), mtime, mtime);
}

/** A build of renderer/main.tsx and vite.config.ts made at `builtAt`. */
function build(inputs: unknown = { inputs: ['renderer/main.tsx', 'vite.config.ts'] }): void {
  write(`${RENDERER_OUT_DIR}/${BUILD_INPUTS_FILE}`, JSON.stringify(inputs), builtAt);
  write(`${RENDERER_OUT_DIR}/index.html`, '<!doctype html>', builtAt);
}

describe('rendererBuildReason', () => {
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tributary-renderer-build-'));
    write('renderer/main.tsx', 'export {};', before);
    write('vite.config.ts', 'export default {};', before);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('asks for a build when there is none', () => {
    expect(rendererBuildReason(root)).toBe('dist/renderer/ is missing');
  });

  it('accepts a build newer than every input', () => {
    build();
    expect(rendererBuildReason(root)).toBeUndefined();
  });

  it('names the input that changed since the build', () => {
    build();
    write('renderer/main.tsx', 'export const changed = 1;', after);
    expect(rendererBuildReason(root)).toBe('renderer/main.tsx changed since the last build');
  });

  it('names an input that is gone', () => {
    build();
    rmSync(join(root, 'vite.config.ts'));
    expect(rendererBuildReason(root)).toBe('vite.config.ts was removed since the last build');
  });

  it('rebuilds a build made without its list of inputs, or with a broken one', () => {
    write(`${RENDERER_OUT_DIR}/index.html`, '<!doctype html>', builtAt);
    expect(rendererBuildReason(root)).toBe('dist/renderer/build-inputs.json is missing');
    build({ inputs: [42] });
    expect(rendererBuildReason(root)).toBe('dist/renderer/build-inputs.json is malformed');
  });
});
