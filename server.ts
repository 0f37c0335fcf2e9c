/**
 * The production entry point: reads the configuration, builds the gateway (lib/gateway.ts, the one
 * composition root), serves Next's pages and route handlers and the dashboard's Socket.IO feed on one
 * HTTP server, then starts the gateway's background work and restores the saved sessions.
 * Shutdown on SIGTERM/SIGINT: stop accepting, stop the gateway (in reverse order), exit.
 */
// First: refuses a Node.js too old for the native addons below, before any of them loads.
import '@/lib/runtime-check'
import fs from 'node:fs'
import { createServer } from 'node:http'
import path from 'node:path'
import next from 'next'
import { answerBeforeNext } from '@/lib/api/guard'
import { ConfigError, parseEnv } from '@/lib/env'
import { createGateway } from '@/lib/gateway'
import { stampRequestTrust } from '@/lib/http/request-trust'
import { applySecurityHeaders } from '@/lib/http/security-headers'
import { createLogger } from '@/lib/logger'
import { prepareSetupToken } from '@/lib/operators/setup'
import { setRuntime } from '@/lib/runtime'

const startedAt = Date.now()
process.env.NEXT_TELEMETRY_DISABLED ??= '1'

let env: ReturnType<typeof parseEnv>
try {
  env = parseEnv()
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`)
    process.exit(1)
  }
  throw err
}
if (!env.dev && !fs.existsSync(path.join(process.cwd(), '.next', 'BUILD_ID'))) {
  process.stderr.write(
    'No production build found (.next/BUILD_ID). Run `npm start` (it builds once) or `npm run build` first; `npm run dev` runs the development server.\n',
  )
  process.exit(1)
}
// Auth.js reads its secret from the environment (in route handlers and proxy.ts alike).
process.env.AUTH_SECRET = env.authSecret
process.env.AUTH_TRUST_HOST = 'true'

const logger = createLogger({ level: env.logLevel, format: env.logFormat })
logger.info({ node: process.version }, 'starting')
for (const name of env.generated) {
  logger.warn(
    { variable: name, file: path.join(env.dataDir, name === 'AUTH_SECRET' ? 'auth-secret' : 'encryption-key') },
    'generated a new secret (file mode 0600); back it up with the data directory',
  )
}
const gateway = await createGateway({ env, logger })

const nextApp = next({ dev: env.dev, hostname: env.host, port: env.port, dir: process.cwd() })
const handle = nextApp.getRequestHandler()
await nextApp.prepare()

const httpServer = createServer((req, res) => {
  applySecurityHeaders(req, res, { dev: env.dev, trustProxy: env.trustProxy })
  stampRequestTrust(req, env.trustProxy)
  if (answerBeforeNext(req, res)) return
  void handle(req, res)
})
gateway.attachRealtime(httpServer)
// Next loads its own copy of lib/: route handlers, pages and actions reach the gateway through this slot.
setRuntime(gateway)

await new Promise<void>((resolve, reject) => {
  httpServer.once('error', reject)
  httpServer.listen(env.port, env.host, resolve)
})
const address = httpServer.address()
const port = typeof address === 'object' && address ? address.port : env.port
const url = `http://${env.host.includes(':') ? `[${env.host}]` : env.host}:${port}`
logger.info({ url, port, dev: env.dev, version: gateway.version, startupMs: Date.now() - startedAt }, 'gateway ready')
prepareSetupToken({ db: gateway.db, dataDir: env.dataDir, logger, url })
gateway.start()

let stopping = false
async function shutdown(signal: string) {
  if (stopping) return
  stopping = true
  logger.info({ signal }, 'shutting down')
  const force = setTimeout(() => httpServer.closeAllConnections(), 10_000)
  force.unref()
  // Stop accepting; in-flight requests finish; idle keep-alive connections are closed now.
  const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()))
  httpServer.closeIdleConnections()
  await gateway.stop() // everything the gateway runs, in reverse order of construction (lib/gateway.ts)
  await closed
  clearTimeout(force)
  setRuntime(undefined)
  logger.info('stopped')
  logger.flush()
  process.exit(0)
}
process.once('SIGTERM', () => void shutdown('SIGTERM'))
process.once('SIGINT', () => void shutdown('SIGINT'))
