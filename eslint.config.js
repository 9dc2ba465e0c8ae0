// ESLint flat config: the usual TypeScript rules, and browser globals for the code that runs in the studio's
// renderer. The layer rule (who may import whom) is not here: dependency-cruiser judges it on resolved import
// paths (`.dependency-cruiser.cjs`, `npm run lint:layers`), which an import-text rule cannot do. See README "Layers".
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

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
  },
);
