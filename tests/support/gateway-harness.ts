import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Keyring } from '@/lib/crypto/aead'
import { findAccount } from '@/lib/db/accounts'
import type { DB } from '@/lib/db/client'
import type { EventBus } from '@/lib/events/bus'
import type { DomainEvents } from '@/lib/events/types'
import { createGateway, type Gateway, type GatewayTuning, mergeTuning } from '@/lib/gateway'
import { DEFAULT_SESSION_CONFIG, type SessionConfig, sessionConfigFromEnv } from '@/lib/sessions/config'
import type { SessionManager } from '@/lib/sessions/manager'
import type { SessionStatus } from '@/lib/db/schema'
import { type Simulator, startSimulator } from '../../sim'
import { TEST_TUNING, testEnv } from './test-gateway'

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
  /** the gateway under test (lib/gateway.ts); replaced by restart() */
  gw: Gateway
  db: DB
  bus: EventBus
  keyring: Keyring
  sim: Simulator
  manager: SessionManager
  config: SessionConfig
  events: { [K in keyof DomainEvents]?: DomainEvents[K][] }
  /** a new gateway on the same data folder (a restart); resolves once it has restored the saved sessions */
  restart(): Promise<SessionManager>
  status(id: string): SessionStatus | undefined
  waitStatus(id: string, status: SessionStatus, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

/**
 * A whole gateway built by createGateway (as server.ts builds it, without HTTP) on a fresh data
 * folder, against its own simulator; `overrides` tune the sessions, `tune` anything else.
 */
export async function createHarness(
  overrides: Partial<SessionConfig> = {},
  simOptions: Parameters<typeof startSimulator>[0] = {},
  tune: GatewayTuning = {},
): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-int-'))
  const sim = await startSimulator({ port: 0, ...simOptions })
  const env = testEnv(dir, { WA_WS_URL: sim.wsUrl })
  const tuning = mergeTuning(TEST_TUNING, { ...tune, sessions: { ...tune.sessions, ...overrides } })
  const events: Harness['events'] = {}
  const build = async () => {
    const gw = await createGateway({ env, tune: tuning })
    gw.bus.on('account.status', (p) => (events['account.status'] ??= []).push(p))
    gw.bus.on('account.qr', (p) => (events['account.qr'] ??= []).push(p))
    gw.bus.on('account.pairing_code', (p) => (events['account.pairing_code'] ??= []).push(p))
    gw.start({ restoreSessions: false })
    return gw
  }
  let gw = await build()
  const h: Harness = {
    dir,
    sim,
    events,
    get gw() {
      return gw
    },
    get db() {
      return gw.db
    },
    get bus() {
      return gw.bus
    },
    get keyring() {
      return gw.keyring
    },
    get manager() {
      return gw.sessions
    },
    config: { ...DEFAULT_SESSION_CONFIG, ...sessionConfigFromEnv(env), ...tuning.sessions },
    async restart() {
      await gw.stop()
      gw = await build()
      await gw.sessions.restore()
      return gw.sessions
    },
    status: (id) => findAccount({ db: gw.db, id })?.status,
    async waitStatus(id, status, timeoutMs = 15_000) {
      await until(
        () => findAccount({ db: gw.db, id })?.status === status,
        timeoutMs,
        `${id} to be ${status} (is ${findAccount({ db: gw.db, id })?.status}: ${findAccount({ db: gw.db, id })?.statusReason})`,
      )
    },
    async close() {
      await gw.stop()
      await sim.close()
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
