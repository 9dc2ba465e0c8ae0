/**
 * The layer rules, judged by dependency-cruiser on resolved paths: an import is resolved to the file (or Node built-in,
 * or npm package) it reaches before a rule looks at it, so `../engine/engine`, `../../runtime/engine/engine.ts` and any
 * other spelling of the same file are the same dependency. See README "Layers". Run with `npm run lint:layers` (one line
 * per violation, `scripts/check-layers.ts`); `npm test` runs it after lint.
 *
 * The layers:
 * - browser side: `renderer/`, `runtime/common/`, the `*.spec.ts` files under `nodes/`, `nodes/specs.ts`. It runs in
 *   the studio's renderer, so it imports only browser-side files and the npm packages listed in BROWSER_PACKAGES,
 *   never a Node built-in. Since every file it reaches is itself browser side, nothing Node-only is reachable by any
 *   path.
 * - `runtime/common/` does not import `renderer/` (the runtime and the CLI load it without the UI).
 * - `electron/` (Electron main and preload) imports runtime and common code, never `renderer/` (the renderer is a web
 *   page loaded into the window) and never the browser-mode WebSocket server (Electron talks IPC).
 * - product code (everything but tests, `scripts/`, `bench/` and config files) does not import `scripts/` or tests.
 * - no circular imports anywhere, type-only imports included: a circle of types still ties the modules together (none
 *   can be read, moved or split without the others) even though TypeScript erases it at run time.
 *
 * Paths below are regular expressions on paths relative to the cruise's base directory (the repository root).
 */

/** Browser-side files: they run in the studio's renderer. */
const BROWSER_SIDE = ['^renderer/', '^runtime/common/', '^nodes/.+\\.spec\\.ts$', '^nodes/specs\\.ts$'];

/** npm packages that run in the browser, the only ones browser-side code may import. */
const BROWSER_PACKAGES = [
  '@codemirror/autocomplete',
  '@codemirror/commands',
  '@codemirror/lang-javascript',
  '@codemirror/lang-json',
  '@codemirror/language',
  '@codemirror/lint',
  '@codemirror/state',
  '@codemirror/view',
  '@xyflow/react',
  'acorn',
  'acorn-walk',
  'ajv',
  'codemirror',
  'diff',
  'elkjs',
  'react',
  'react-dom',
  'react-resizable-panels',
  'yaml',
  'zod',
  'zustand',
];

/** npm packages that only run in Node.js or Electron main (named here for a precise message). */
const NODE_PACKAGES = [
  'commander',
  'electron',
  'ioredis',
  'kafkajs',
  'pino',
  'pino-pretty',
  'prom-client',
  'tsx',
  'vite',
  'vitest',
  'ws',
];

/** A path regex for the files of these npm packages (their type packages under `@types/` included). */
function packages(names) {
  const escaped = names.map((name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return `(^|/)node_modules/(@types/)?(${escaped.join('|')})/`;
}

/** Tests, scripts, benchmarks and config files: everything that is not product code. */
const NOT_PRODUCT = ['^test/', '^scripts/', '^bench/', '\\.test\\.tsx?$', '^[^/]+\\.config\\.[cm]?[jt]s$', '^\\.dependency-cruiser\\.cjs$'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'browser-no-node-builtins',
      comment: 'browser-side code (renderer/, runtime/common/, nodes/**/*.spec.ts, nodes/specs.ts) cannot import Node built-ins',
      severity: 'error',
      from: { path: BROWSER_SIDE },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'browser-no-node-packages',
      comment: 'this npm package runs only in Node.js or Electron main; browser-side code cannot import it',
      severity: 'error',
      from: { path: BROWSER_SIDE },
      to: { path: packages(NODE_PACKAGES) },
    },
    {
      name: 'browser-only-listed-packages',
      comment: 'browser-side code imports only the npm packages listed in BROWSER_PACKAGES (.dependency-cruiser.cjs); add one there only if it runs in the browser',
      severity: 'error',
      from: { path: BROWSER_SIDE },
      to: { path: '(^|/)node_modules/', pathNot: [packages(BROWSER_PACKAGES), packages(NODE_PACKAGES)] },
    },
    {
      name: 'browser-only-browser-side',
      comment:
        'browser-side code imports only browser-side files (renderer/, runtime/common/, nodes/**/*.spec.ts, nodes/specs.ts): not the rest of runtime/, node runtimes (*.runtime.ts, nodes/runtimes.ts), electron/, scripts/ or tests',
      severity: 'error',
      from: { path: BROWSER_SIDE },
      to: {
        couldNotResolve: false,
        dependencyTypesNot: ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown'],
        pathNot: [...BROWSER_SIDE, '(^|/)node_modules/'],
      },
    },
    {
      name: 'common-not-renderer',
      comment: 'runtime/common/ is shared with the runtime and the CLI; it cannot import renderer/',
      severity: 'error',
      from: { path: '^runtime/common/' },
      to: { path: '^renderer/' },
    },
    {
      name: 'electron-not-renderer',
      comment: 'electron/ cannot import renderer/ (the renderer is a web page in the window; share code through runtime/common/)',
      severity: 'error',
      from: { path: '^electron/' },
      to: { path: '^renderer/' },
    },
    {
      name: 'electron-not-websocket-server',
      comment: 'electron/ talks IPC: it cannot import the browser-mode WebSocket server (runtime/studio/server.ts) or ws',
      severity: 'error',
      from: { path: '^electron/' },
      to: { path: ['^runtime/studio/server\\.ts$', packages(['ws'])] },
    },
    {
      name: 'product-not-scripts-or-tests',
      comment: 'product code cannot import scripts/ or tests; move what it needs into product code',
      severity: 'error',
      from: { pathNot: NOT_PRODUCT },
      to: { path: ['^scripts/', '^test/', '\\.test\\.tsx?$'] },
    },
    {
      name: 'no-unresolvable',
      comment: 'this import resolves to no file, package or built-in',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-circular',
      comment: 'circular import (type-only imports count): move what both sides need into a module of its own',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    // Type-only imports are dependencies too (a type circle is still a circle; types from Node code are still Node code).
    tsPreCompilationDeps: true,
    doNotFollow: { path: '(^|/)node_modules/' },
    exclude: { path: ['^dist/', '^\\.tsbuild/', '^\\.cache/', '^test-results/', '^bench/results/'] },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    moduleSystems: ['es6', 'cjs'],
  },
};
