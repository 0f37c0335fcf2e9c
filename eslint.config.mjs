// ESLint flat config: typescript-eslint's strict type-checked rules over all TypeScript, Next's
// core-web-vitals rules (which bring React and React hooks' rules) for the app, and the layers of
// docs/architecture.md ("Layers and import direction"): import boundaries, no import cycles, what
// client code may import. Every rule turned off or loosened here says why.
import js from '@eslint/js'
import nextVitals from 'eslint-config-next/core-web-vitals'
import { createNodeResolver, importX } from 'eslint-plugin-import-x'
import reactHooks from 'eslint-plugin-react-hooks'
import tseslint from 'typescript-eslint'
import gateway from './scripts/eslint/client-imports.mjs'

// ---- layers (docs/architecture.md keeps the same list in words: change both together) ------------

/** Import boundaries between folders (import-x/no-restricted-paths; type imports count too). */
const LAYER_ZONES = [
  {
    target: ['app', 'components'],
    from: 'lib/db',
    message: 'app/ and components/ reach the domain modules (lib/<module>), never lib/db.',
  },
  {
    target: 'components',
    from: 'app',
    message: 'components/ never imports app/: the page passes what a component needs (data, server actions) as props.',
  },
  {
    target: 'sim',
    from: ['lib', 'app', 'components', 'server.ts'],
    message: 'sim/ (the simulator) imports nothing of the gateway.',
  },
]
/** The gateway never imports the simulator; tests (unit tests under lib/ too) may, to drive the real dependencies. */
const NO_SIM_ZONE = {
  target: ['lib', 'app', 'components', 'server.ts'],
  from: 'sim',
  message: 'The gateway never imports the simulator (tests, benchmarks and e2e may).',
}
/** lib/db stores rows: it imports no domain module, only the vocabulary it stores and two leaves. */
const DB_ZONE = {
  target: 'lib/db',
  from: 'lib',
  except: ['./db', './vocabulary', './errors.ts', './fs'],
  message: 'lib/db imports no domain module (only lib/vocabulary, lib/errors, lib/fs): the domain module builds views and event payloads.',
}

/** Modules whose code may run in the browser, besides components/ and 'use client' files (gateway/client-imports). */
const CLIENT_MODULES = [
  'components/',
  // the dashboard's typed REST client and its generated route table (types only from the declarations)
  'lib/api/client.ts',
  'lib/api/routes.gen.ts',
  'lib/vocabulary/',
  'lib/http/form.ts',
  'lib/keys/scopes.ts',
  'lib/messages/view-merge.ts',
  'lib/realtime/events.ts',
  'lib/realtime/monitor-list.ts',
  'lib/webhooks/rules.ts',
]
const CLIENT_PACKAGES = ['react', 'react-dom', 'next/link', 'next/navigation', 'socket.io-client']

/** Baileys and libsignal stay behind lib/whatsapp (the simulator, packages/, tests and benchmarks drive them directly). */
const WHATSAPP_LIBRARIES = {
  group: ['@whiskeysockets/baileys', '@whiskeysockets/baileys/*', 'libsignal', 'libsignal/*'],
  message: 'Baileys and libsignal are imported only inside lib/whatsapp (which wraps what the rest needs).',
}

export default tseslint.config(
  {
    ignores: [
      '.next/**',
      'node_modules/**',
      'data/**',
      'reports/**',
      'test-results/**',
      'playwright-report/**',
      'next-env.d.ts',
      'drizzle/**',
    ],
  },
  ...nextVitals,
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  reactHooks.configs.flat['recommended-latest'] ?? {},
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Numbers and booleans in template strings read fine in log lines and messages.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `_name` marks a parameter an interface requires but this implementation does not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-console': 'error',
      // The codebase writes object shapes as `type` aliases (unions and intersections read the same way).
      '@typescript-eslint/consistent-type-definitions': ['error', 'type'],
      // `() => void doSomething()` style callbacks (event handlers, timers) are clear as they are.
      // `async` without `await` is how a function promises to reject rather than throw (Baileys' key
      // store, listeners): dropping it would turn a thrown error into a synchronous one.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { 'import-x': importX, gateway },
    settings: {
      // which files import-x reads to follow imports (no-cycle walks them), and with which parser
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [
        createNodeResolver({
          tsconfig: { configFile: `${import.meta.dirname}/tsconfig.json` },
          extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json', '.node'],
        }),
      ],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: [...LAYER_ZONES, NO_SIM_ZONE, DB_ZONE] }],
      'gateway/client-imports': ['error', { root: import.meta.dirname, clientModules: CLIENT_MODULES, packages: CLIENT_PACKAGES }],
    },
  },
  {
    // Value imports only (import-x skips `import type`): a type cycle costs nothing at run time, and the
    // folder boundaries above catch the type imports that matter (lib/db importing a domain's type).
    // Tests and benchmarks are left out: nothing imports them, so no cycle can pass through one.
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['**/*.test.ts', '**/*.spec.ts', 'bench/*.bench.ts'],
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // lib/vocabulary imports nothing (not even a package): lib/db, the domain modules and the browser all import it.
    files: ['lib/vocabulary/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...['ImportDeclaration', 'ImportExpression', 'ExportAllDeclaration', 'ExportNamedDeclaration[source]'].map((selector) => ({
          selector,
          message: 'lib/vocabulary imports nothing: lib/db, the domain modules and the browser all import it.',
        })),
      ],
    },
  },
  {
    // Unit tests beside the code may use the simulator (its TLS CA, an in-process WhatsApp endpoint)
    // to drive the real dependency, as the integration tests do.
    files: ['lib/**/*.test.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: [...LAYER_ZONES, DB_ZONE] }] },
  },
  {
    // lib/db's own tests exercise a write with its outbox event, which the domain module records.
    files: ['lib/db/**/*.test.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: LAYER_ZONES }] },
  },
  {
    files: ['app/**', 'components/**', 'lib/**', 'server.ts', 'proxy.ts', 'scripts/**'],
    ignores: ['lib/whatsapp/**', '**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [WHATSAPP_LIBRARIES] }] },
  },
  {
    // Plain JavaScript files (this config, scripts/*.mjs) are not part of the TypeScript project.
    files: ['**/*.mjs', '**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // packages/* are CommonJS packages that libsignal loads with require(); they can only require() too.
    files: ['packages/**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Hooks rules are for React code. Outside app/ and components/ a `use…` name is Baileys' convention
    // for auth-state factories (useMultiFileAuthState, our useSqliteAuthState), not a React hook.
    files: ['lib/**', 'sim/**', 'bench/**', 'tests/**', 'scripts/**', 'e2e/**', 'server.ts'],
    rules: { 'react-hooks/rules-of-hooks': 'off' },
  },
  {
    // Tests assert a value exists (expect(x).toBeDefined()) and then use it; `!` there reads better than
    // a second check that the assertion already made.
    files: ['tests/**', 'e2e/**', '**/*.test.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // Command-line tools, tests and benchmarks talk to a terminal.
    files: ['scripts/**', 'sim/**', 'bench/**', 'tests/**', 'e2e/**', '**/*.test.ts'],
    rules: { 'no-console': 'off' },
  },
)
