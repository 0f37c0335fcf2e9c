// ESLint flat config: typescript-eslint's strict type-checked rules over all TypeScript, Next's
// core-web-vitals rules (which bring React and React hooks' rules) for the app. Every rule turned off
// or loosened here says why.
import js from '@eslint/js'
import nextVitals from 'eslint-config-next/core-web-vitals'
import reactHooks from 'eslint-plugin-react-hooks'
import tseslint from 'typescript-eslint'

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
