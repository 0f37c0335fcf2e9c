import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseEnv } from '@/lib/env'
import { createGateway, type Gateway, type GatewayTuning, mergeTuning } from '@/lib/gateway'
import { createLogger, type Logger } from '@/lib/logger'
import { startSimProcess } from './sim-process'

/** What benchmarks tune: Baileys quiet, a send queue without pacing, no link previews (texts name no hosts). */
const BENCH_TUNING: GatewayTuning = {
  sessions: { baileysLogLevel: 'silent' },
  messages: { pacing: { minGapMs: 0, perMinute: 0 }, restriction: { pauseAfter: 3, pauseMs: 3_600_000 } },
  linkPreview: false,
}

/**
 * The gateway as server.ts builds it (lib/gateway.ts), without HTTP, on `dir` against the simulator
 * at `wsUrl`: every benchmark measures what production runs. `vars` are the gateway's own environment
 * variables; BENCH_FAST_BUFFER_KEYS=0 measures without the byte-key patch.
 */
export async function benchGateway(opts: {
  dir: string
  wsUrl: string
  encryptionKey: string
  logger?: Logger
  vars?: Record<string, string>
  tune?: GatewayTuning
}): Promise<Gateway> {
  const env = parseEnv({
    NODE_ENV: 'test',
    DATA_DIR: opts.dir,
    LOG_LEVEL: 'silent',
    LOG_FORMAT: 'pretty',
    AUTH_SECRET: 'bench-auth-secret-not-used-for-any-session',
    ENCRYPTION_KEY: opts.encryptionKey,
    WA_WS_URL: opts.wsUrl,
    ALLOW_CUSTOM_WA_URL: '1',
    CRYPTO_FAST_BUFFER_KEYS: process.env.BENCH_FAST_BUFFER_KEYS === '0' ? 'false' : 'true',
    ...opts.vars,
  })
  return createGateway({
    env,
    logger: opts.logger ?? createLogger({ level: 'silent' }),
    version: 'bench',
    tune: mergeTuning(BENCH_TUNING, opts.tune),
  })
}

/**
 * What every end-to-end benchmark starts from: the simulator in its own process, and in this process
 * the gateway built by createGateway on a fresh data folder. The gateway's background work is not
 * started: each benchmark calls `gw.start({ restoreSessions: false })` when its setup is done.
 */
export async function startBenchCore(name: string, opts: { vars?: Record<string, string>; tune?: GatewayTuning } = {}) {
  const sim = await startSimProcess()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`))
  const gw = await benchGateway({ dir, wsUrl: sim.wsUrl, encryptionKey: crypto.randomBytes(32).toString('hex'), ...opts })
  const { db, logger, bus, keyring, sessions: manager } = gw
  return {
    sim,
    dir,
    gw,
    db,
    logger,
    bus,
    keyring,
    manager,
    /** Restores the seeded accounts and waits until `count` are connected, the last of them (`lastId`) with its socket. */
    async connectAll(count: number, lastId: string, timeoutMs = 120_000): Promise<number> {
      const t0 = performance.now()
      await manager.restore()
      while (manager.list().filter((a) => a.status === 'connected').length < count || !manager.connectedSocket(lastId)) {
        if (performance.now() - t0 > timeoutMs) throw new Error(`accounts did not connect in ${timeoutMs / 1000} s`)
        await new Promise((r) => setTimeout(r, 100))
      }
      return performance.now() - t0
    },
    /** Stops the gateway (sessions included), stops the simulator and removes the data directory. */
    async close(): Promise<void> {
      await gw.stop()
      await sim.stop()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
