// Lint: typescript-eslint's recommended rules with type information, plus the rule that matters
// most in an LSP server: no floating promises (an unhandled rejection can kill the process).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.e2e-cache/**', 'test-results/**', 'media/vendor/**', 'models/**', 'test/fixtures/**'] },
  // JavaScript gets the same rules as TypeScript minus the type-aware ones (its types are checked
  // by `tsc -p tsconfig.js.json`, which the TypeScript project service here does not load).
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/it return promises the runner itself awaits.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // Layers: product code (the server and the extension) never imports the benchmarks, the
    // demo or the tests; the CLI's commands (cli.ts, reportMain.ts) and those folders may.
    files: ['server/src/**/*.ts', 'extension/src/**/*.ts'],
    ignores: ['server/src/bench/**', 'server/src/demo/**', 'server/src/cli.ts', 'server/src/reportMain.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/bench/*', '**/bench'],
              message: 'Product code must not import benchmark code (move the shared piece down a layer).',
            },
            { group: ['**/demo/*', '**/demo'], message: 'Product code must not import the demo.' },
            { group: ['**/test/**'], message: 'Product code must not import test code.' },
            {
              group: ['**/webview/panel/**'],
              message: 'Only webview/shared is shared with the page script (webview/panel runs in a browser).',
            },
          ],
        },
      ],
    },
  },
  {
    // The extension talks to the server over LSP only: of the server's code it imports the
    // protocol (its types and typed messages) and the pure pieces both sides decide alike with.
    // Repeats the product patterns above: a later block's rule replaces an earlier one's.
    files: ['extension/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/bench/*', '**/bench'],
              message: 'Product code must not import benchmark code (move the shared piece down a layer).',
            },
            { group: ['**/demo/*', '**/demo'], message: 'Product code must not import the demo.' },
            { group: ['**/test/**'], message: 'Product code must not import test code.' },
            {
              group: ['**/webview/panel/**'],
              message: 'Only webview/shared is shared with the page script (webview/panel runs in a browser).',
            },
            {
              group: [
                '**/server/src/**',
                '!**/server/src/protocol',
                '!**/server/src/protocolMessages',
                '!**/server/src/config',
                // gitignore rules: a file is re-included only once its folder is.
                '!**/server/src/completion',
                '**/server/src/completion/**',
                '!**/server/src/completion/privacy',
              ],
              message: 'The extension imports only protocol.ts, protocolMessages.ts, config.ts and completion/privacy.ts of the server.',
            },
          ],
        },
      ],
    },
  },
  {
    // The panel's page script (webview/panel) runs in a browser: it imports the protocol's types
    // and webview/shared only. webview/shared is pure code the extension host and the server's
    // HTML report also import, so it imports nothing of either.
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/extension/**'],
              message: 'The page script must not import extension code (move the shared piece to webview/shared).',
            },
            {
              group: ['**/server/src/**', '!**/server/src/protocol'],
              message:
                'The page script may import only server/src/protocol.ts of the server (types; protocolMessages.ts would bundle the JSON-RPC library).',
            },
            { group: ['**/test/**'], message: 'Product code must not import test code.' },
            { group: ['node:*'], message: 'The page script runs in a browser.' },
          ],
        },
      ],
    },
  },
  {
    // Benchmarks, the demo and the CLI ship in dist/cli.js: they never import test code.
    files: ['server/src/bench/**/*.ts', 'server/src/demo/**/*.ts', 'server/src/cli.ts', 'server/src/reportMain.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/test/**'], message: 'Shipped code must not import test code.' }] }],
    },
  },
  {
    files: [
      'test/**/*.ts',
      'server/src/cli.ts',
      'server/src/reportMain.ts',
      'server/src/bench/**/*.ts',
      'server/src/demo/**/*.ts',
      'scripts/**',
    ],
    rules: { 'no-console': 'off' },
  },
);
