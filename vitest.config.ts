import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    include: ['lib/**/*.test.ts', 'sim/**/*.test.ts', 'tests/**/*.test.ts', 'packages/**/*.test.ts'],
    exclude: ['node_modules', 'e2e', '.next', 'data'],
    environment: 'node',
    pool: 'forks',
    // the simulator's media CA, trusted by the workers through NODE_EXTRA_CA_CERTS
    globalSetup: ['tests/support/vitest-global-setup.ts'],
    // next-auth imports 'next/server' without an extension, which only a bundler resolves: let Vite
    // process it (route wrapper tests and the route-file tests import code that imports it).
    server: { deps: { inline: ['next-auth'] } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
