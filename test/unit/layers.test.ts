// The layer rules of .dependency-cruiser.cjs, judged on resolved paths: a probe tree (written to a temporary folder,
// laid out like the repository, with its node_modules linked in) breaks every rule, among them the relative import
// of Node code from runtime/common/ that an import-text rule cannot see; and the real tree breaks none.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLayerViolations, formatLayerViolation, REPO_ROOT, type LayerViolation } from '../../scripts/layer-violations';

/** The probe tree: file -> text. */
const PROBE: Record<string, string> = {
  // Node code reached through a relative path from browser-side code.
  'runtime/common/probe.ts': "import { readClock } from '../engine/clock';\nexport const probe = readClock();\n",
  'runtime/engine/clock.ts': "import { statSync } from 'node:fs';\nexport function readClock(): number { return statSync('.').mtimeMs; }\n",
  // Node-only and unlisted npm packages, a Node built-in.
  'renderer/socket.ts': "import { WebSocket } from 'ws';\nexport const socket = WebSocket;\n",
  'renderer/cache.ts': "import { LRUCache } from 'lru-cache';\nexport const cache = LRUCache;\n",
  'renderer/paths.ts': "import { join } from 'node:path';\nexport const joined = join('a', 'b');\n",
  // Types count: a type-only import of a Node-only package.
  'renderer/redis-types.ts': "import type { Redis } from 'ioredis';\nexport type Client = Redis;\n",
  // A spec importing its runtime; the registry importing only specs is fine.
  'nodes/sink/probe.spec.ts': "import { run } from './probe.runtime';\nexport const spec = { run };\n",
  'nodes/sink/probe.runtime.ts': 'export function run(): void {}\n',
  'nodes/specs.ts': "import { spec } from './sink/probe.spec';\nexport const specs = [spec];\n",
  // runtime/common/ importing the renderer.
  'runtime/common/ui.ts': "import { view } from '../../renderer/view';\nexport const ui = view;\n",
  'renderer/view.ts': "import { z } from 'zod';\nexport const view = z.string();\n",
  // Electron main importing the renderer and the WebSocket server.
  'electron/main.ts': "import { view } from '../renderer/view';\nimport { serve } from '../runtime/studio/server';\nexport const main = [view, serve];\n",
  'runtime/studio/server.ts': 'export function serve(): void {}\n',
  // Product code importing scripts/ and tests; a test importing both is fine.
  'runtime/cli.ts': "import { generate } from '../scripts/gen';\nimport { fixture } from '../test/support/fixture';\nexport const cli = [generate, fixture];\n",
  'scripts/gen.ts': 'export function generate(): void {}\n',
  'test/support/fixture.ts': "import { generate } from '../../scripts/gen';\nexport const fixture = generate;\n",
  // A circle made of type-only imports.
  'runtime/engine/a.ts': "import type { B } from './b';\nexport interface A { b?: B }\n",
  'runtime/engine/b.ts': "import type { A } from './a';\nexport interface B { a?: A }\n",
  // Nothing resolves this.
  'runtime/missing.ts': "import { gone } from './gone';\nexport const missing = gone;\n",
  'runtime/common/missing.ts': "import { gone } from './gone';\nexport const missing = gone;\n",
};

let probeDir: string;

beforeAll(() => {
  probeDir = mkdtempSync(join(tmpdir(), 'tributary-layers-'));
  for (const [file, text] of Object.entries(PROBE)) {
    mkdirSync(dirname(join(probeDir, file)), { recursive: true });
    writeFileSync(join(probeDir, file), text);
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(probeDir, 'node_modules'), 'dir');
});

afterAll(() => {
  if (probeDir !== undefined) rmSync(probeDir, { recursive: true, force: true });
});

/** Rule, importing file and what the import reached (a package by name). */
function brief(v: LayerViolation): [string, string, string] {
  const pkg = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(v.to);
  return [v.rule, v.from, pkg === null ? v.to : `npm:${pkg[1] as string}`];
}

describe('layer rules on a probe tree', () => {
  it('reports every broken rule once, judging resolved paths', async () => {
    const violations = await findLayerViolations({ baseDir: probeDir, roots: ['electron', 'nodes', 'renderer', 'runtime', 'scripts', 'test'] });
    expect(violations.map(brief)).toEqual([
      ['browser-no-node-builtins', 'renderer/paths.ts', 'path'],
      ['browser-no-node-packages', 'renderer/redis-types.ts', 'npm:ioredis'],
      ['browser-no-node-packages', 'renderer/socket.ts', 'npm:ws'],
      ['browser-only-browser-side', 'nodes/sink/probe.spec.ts', 'nodes/sink/probe.runtime.ts'],
      ['browser-only-browser-side', 'runtime/common/probe.ts', 'runtime/engine/clock.ts'],
      ['browser-only-listed-packages', 'renderer/cache.ts', 'npm:lru-cache'],
      ['common-not-renderer', 'runtime/common/ui.ts', 'renderer/view.ts'],
      ['electron-not-renderer', 'electron/main.ts', 'renderer/view.ts'],
      ['electron-not-websocket-server', 'electron/main.ts', 'runtime/studio/server.ts'],
      ['no-circular', 'runtime/engine/a.ts', 'runtime/engine/b.ts'],
      ['no-unresolvable', 'runtime/common/missing.ts', './gone'],
      ['no-unresolvable', 'runtime/missing.ts', './gone'],
      ['product-not-scripts-or-tests', 'runtime/cli.ts', 'scripts/gen.ts'],
      ['product-not-scripts-or-tests', 'runtime/cli.ts', 'test/support/fixture.ts'],
    ]);
  }, 60_000);

  it('prints one line per violation: the import (a circle in full), the rule and what to do', async () => {
    const violations = await findLayerViolations({ baseDir: probeDir, roots: ['runtime'] });
    const lines = violations.map(formatLayerViolation);
    expect(lines).toContain(
      'runtime/common/probe.ts -> runtime/engine/clock.ts: browser-only-browser-side: browser-side code imports only browser-side files (renderer/, runtime/common/, nodes/**/*.spec.ts, nodes/specs.ts): not the rest of runtime/, node runtimes (*.runtime.ts, nodes/runtimes.ts), electron/, scripts/ or tests',
    );
    expect(lines).toContain(
      'runtime/engine/a.ts -> runtime/engine/b.ts -> runtime/engine/a.ts: no-circular: circular import (type-only imports count): move what both sides need into a module of its own',
    );
    for (const line of lines) expect(line).not.toContain('\n');
  }, 60_000);
});

describe('layer rules on the real tree', () => {
  it('finds no violation', async () => {
    expect((await findLayerViolations()).map(formatLayerViolation)).toEqual([]);
  }, 120_000);
});
