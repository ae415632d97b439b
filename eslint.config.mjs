// Lint configuration (typescript-eslint flat config): recommended rules, and src/core kept pure of editor and disk APIs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Modules that would tie the core to VS Code, the language server protocol, the disk or processes. */
const IMPURE_MODULES = [
  'vscode',
  'vscode-languageserver',
  'vscode-languageserver/*',
  'vscode-languageserver-*',
  'vscode-languageclient',
  'vscode-languageclient/*',
  'vscode-jsonrpc',
  'vscode-jsonrpc/*',
  'fs',
  'fs/*',
  'node:fs',
  'node:fs/*',
  'path',
  'path/*',
  'node:path',
  'node:path/*',
  'child_process',
  'node:child_process',
];

/** Node's globals, declared by hand for the build scripts and tests (the `globals` package is not installed). */
const NODE_GLOBALS = Object.fromEntries(
  ['require', 'module', 'exports', '__dirname', '__filename', 'process', 'Buffer', 'console', 'setTimeout', 'clearTimeout',
    'setInterval', 'clearInterval', 'setImmediate', 'URL', 'TextDecoder', 'TextEncoder', 'performance', 'fetch', 'structuredClone']
    .map((name) => [name, 'readonly']),
);

export default tseslint.config(
  {
    ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', 'test-results/**', 'bench/out/**', 'test/fixtures/**', '**/*.vsix', '.gl/**', '.whl/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{js,cjs,mjs,ts}'],
    languageOptions: { globals: NODE_GLOBALS },
    rules: {
      // Unused arguments named _x document an interface's parameter on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Type-aware rules: a promise nobody awaits loses its error (an unhandled rejection in the extension host or the
    // server), and a promise handed where a void callback is expected runs unobserved.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's describe and it return promises that the runner itself tracks (typescript-eslint's documented exception).
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The core is text in, data out: the same code runs in the language server, the CLI, tests and a browser.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: IMPURE_MODULES, message: 'src/core is pure: pass data in from the host (server, CLI) instead.' }],
      }],
      'no-restricted-globals': ['error',
        { name: 'process', message: 'src/core is pure: take settings as arguments.' },
        { name: 'require', message: 'src/core is pure: use import of pure modules.' },
        { name: '__dirname', message: 'src/core is pure: the host locates files.' },
      ],
    },
  },
);
