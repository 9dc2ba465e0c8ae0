// ESLint flat config. Besides the usual TypeScript rules it enforces the layer rule: code that runs in the renderer
// (renderer/, node specs, runtime/common/) must not import Node-only modules. See README "Layers".
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Modules that only exist in Node.js or Electron main: forbidden in browser-side code. */
const nodeOnlyModules = [
  ...builtinModules,
  'kafkajs',
  'ioredis',
  'electron',
  'pino',
  'pino-pretty',
  'prom-client',
  'commander',
  'tsx',
];

const browserLayerRule = {
  'no-restricted-imports': [
    'error',
    {
      paths: nodeOnlyModules.map((name) => ({
        name,
        message: `'${name}' is Node-only; browser-side code (renderer/, nodes/**/*.spec.ts, runtime/common/) cannot import it.`,
      })),
      patterns: [
        { regex: '^node:', message: 'node:* modules are Node-only; browser-side code cannot import them.' },
        {
          regex: '(^|/)runtime/(?!common/)',
          message: 'Only runtime/common/ is browser-safe; the rest of runtime/ is Node-only.',
        },
        {
          regex: '\\.runtime(\\.ts)?$|(^|/)runtimes(\\.ts)?$',
          message: 'Node runtimes (*.runtime.ts, nodes/runtimes.ts) are Node-only; import the spec instead.',
        },
      ],
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/', '.cache/', '.tsbuild/', 'dist/', 'out/', 'test-results/', 'schema/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}', 'nodes/**/*.spec.ts', 'nodes/specs.ts', 'runtime/common/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: browserLayerRule,
  },
);
