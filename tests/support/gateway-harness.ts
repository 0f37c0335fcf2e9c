import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createKeyring, type Keyring } from '@/lib/crypto/aead'
import { findAccount } from '@/lib/db/accounts'
import { closeDb, type DB, openDb } from '@/lib/db/client'
import { EventBus } from '@/lib/events/bus'
import type { DomainEvents } from '@/lib/events/types'
import { createLogger } from '@/lib/logger'
import { DEFAULT_SESSION_CONFIG, type SessionConfig } from '@/lib/sessions/config'
import { SessionManager } from '@/lib/sessions/manager'
import type { SessionStatus } from '@/lib/db/schema'
import { type Simulator, startSimulator } from '../../sim'

/** Polls `check` until it returns a value (not undefined/false) or the timeout passes. */
export async function until<T>(check: () => T | undefined | false, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = check()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export type Harness = {
  dir: string
  db: DB
  bus: EventBus
  keyring: Keyring
  sim: Simulator
  manager: SessionManager
  config: SessionConfig
  events: { [K in keyof DomainEvents]?: DomainEvents[K][] }
  /** a new manager on the same database (a gateway restart) */
  restart(): Promise<SessionManager>
  status(id: string): SessionStatus | undefined
  waitStatus(id: string, status: SessionStatus, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

/** Fast policy so failure paths finish in seconds; the logic is the production one. */
export const FAST_CONFIG: Partial<SessionConfig> = {
  policy: { baseDelayMs: 100, maxDelayMs: 400, maxAttempts: 5, maxConflicts: 3, jitter: 0 },
  watchdogMs: 1500,
  pairingTimeoutMs: 10_000,
  baileysLogLevel: 'silent',
}

export async function createHarness(
  overrides: Partial<SessionConfig> = {},
  simOptions: Parameters<typeof startSimulator>[0] = {},
): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-int-'))
  const db = openDb(path.join(dir, 'gateway.db'))
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
  const bus = new EventBus(logger)
  const keyring = createKeyring({ current: crypto.randomBytes(32) })
  const sim = await startSimulator({ port: 0, ...simOptions })
  const config: SessionConfig = { ...DEFAULT_SESSION_CONFIG, ...FAST_CONFIG, wsUrl: sim.wsUrl, ...overrides }
  const events: Harness['events'] = {}
  bus.on('account.status', (p) => (events['account.status'] ??= []).push(p))
  bus.on('account.qr', (p) => (events['account.qr'] ??= []).push(p))
  bus.on('account.pairing_code', (p) => (events['account.pairing_code'] ??= []).push(p))
  const h: Harness = {
    dir,
    db,
    bus,
    keyring,
    sim,
    config,
    events,
    manager: new SessionManager({ db, bus, logger, keyring, config }),
    async restart() {
      await h.manager.shutdown()
      h.manager = new SessionManager({ db, bus, logger, keyring, config })
      await h.manager.restore()
      return h.manager
    },
    status: (id) => findAccount({ db, id })?.status,
    async waitStatus(id, status, timeoutMs = 15_000) {
      await until(
        () => findAccount({ db, id })?.status === status,
        timeoutMs,
        `${id} to be ${status} (is ${findAccount({ db, id })?.status}: ${findAccount({ db, id })?.statusReason})`,
      )
    },
    async close() {
      await h.manager.shutdown()
      await sim.close()
      closeDb(db)
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
  return h
}

/** Creates an account and links it by QR through the simulated phone; resolves once connected. */
export async function linkByQr(h: Harness, id: string, phone: string): Promise<void> {
  h.manager.create({ id, name: `Account ${id}` })
  if (!h.sim.listUsers().some((u) => u.phone === phone)) h.sim.createUser({ phone, name: `Phone ${phone}` })
  await h.manager.connect(id)
  await h.waitStatus(id, 'qr_ready')
  const qr = h.manager.getQr(id)
  await h.sim.scan(phone, qr.qr)
  await h.waitStatus(id, 'connected')
}

export function statusHistory(h: Harness, id: string): SessionStatus[] {
  return (h.events['account.status'] ?? []).filter((e) => e.accountId === id).map((e) => e.status)
}
