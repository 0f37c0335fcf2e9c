import { defineConfig } from '@playwright/test'
import { loadOrCreateCa } from './sim/media/tls'

const PORT = Number(process.env.E2E_PORT ?? 3100)
const baseURL = `http://127.0.0.1:${PORT}`
export const E2E_DATA_DIR = 'data/e2e'
// The simulator's HTTPS media host is signed by its own CA (created here once, before the server
// starts): the gateway trusts it the only way production would trust a private CA.
const simCa = loadOrCreateCa()

export default defineConfig({
  testDir: 'e2e',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'reports/e2e.json' }]],
  globalSetup: './e2e/global-setup.ts',
  use: {
    baseURL,
    browserName: 'chromium',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  projects: [
    { name: 'first-run', testMatch: /first-run\.setup\.ts/ },
    { name: 'dashboard', testMatch: /.*\.spec\.ts/, dependencies: ['first-run'] },
  ],
  webServer: {
    // What `npm start` runs (scripts/start.mjs: builds when there is no build, then the production
    // server); E2E_DEV=1 runs the dev server instead.
    command: `rm -rf ${E2E_DATA_DIR} && ${process.env.E2E_DEV ? 'NODE_ENV=development node --import tsx server.ts' : 'node scripts/start.mjs'}`,
    url: `${baseURL}/api/v1/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      PORT: String(PORT),
      HOST: '127.0.0.1',
      NEXT_TELEMETRY_DISABLED: '1',
      DATA_DIR: E2E_DATA_DIR,
      LOG_LEVEL: 'warn',
      WA_WS_URL: `ws://127.0.0.1:${process.env.E2E_SIM_PORT ?? 9411}/ws/chat`,
      // The simulator is a custom WhatsApp endpoint, which production refuses unless told.
      ALLOW_CUSTOM_WA_URL: '1',
      // The webhook receivers of the tests listen on loopback, which deliveries refuse unless allowed.
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
      WEBHOOK_ALLOW_HTTP: '1',
      // The simulator's media host (the one WhatsApp's media_conn names here) is on loopback too.
      MEDIA_ALLOWED_CIDRS: '127.0.0.1/32',
      NODE_EXTRA_CA_CERTS: simCa.certPath,
      // The bearer token Prometheus would use (e2e/dashboard-pages.spec.ts reads /metrics with it).
      METRICS_TOKEN: process.env.E2E_METRICS_TOKEN ?? 'e2e-metrics-token-0123456789abcdef0123',
    },
  },
})
