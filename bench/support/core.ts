import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createKeyring } from '@/lib/crypto/aead'
import { closeDb, openDb } from '@/lib/db/client'
import { EventBus } from '@/lib/events/bus'
import { createLogger } from '@/lib/logger'
import { installProcessPatches } from '@/lib/process-patches'
import { DEFAULT_SESSION_CONFIG } from '@/lib/sessions/config'
import { SessionManager } from '@/lib/sessions/manager'
import { startSimProcess } from './sim-process'

/**
 * What every end-to-end benchmark starts from: the simulator in its own process, and in this process
 * the gateway's core as server.ts composes it (SQLite file, event bus, keyring, session manager).
 */
export async function startBenchCore(name: string) {
  const logger = createLogger({ level: 'silent' })
  // as server.ts does with the default CRYPTO_FAST_BUFFER_KEYS; BENCH_FAST_BUFFER_KEYS=0 measures without
  installProcessPatches({ logger, fastBufferKeys: process.env.BENCH_FAST_BUFFER_KEYS !== '0', jsonLogs: false })
  const sim = await startSimProcess()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`))
  const db = openDb(path.join(dir, 'gateway.db'))
  const bus = new EventBus(logger)
  const keyring = createKeyring({ current: crypto.randomBytes(32) })
  const manager = new SessionManager({
    db,
    bus,
    logger,
    keyring,
    config: { ...DEFAULT_SESSION_CONFIG, wsUrl: sim.wsUrl, baileysLogLevel: 'silent' },
  })
  return {
    sim,
    dir,
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
    /** Closes the database, stops the simulator and removes the data directory (sessions are the caller's). */
    async close(): Promise<void> {
      closeDb(db)
      await sim.stop()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
