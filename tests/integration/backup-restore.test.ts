import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { type Simulator, startSimulator } from '../../sim'
import { until } from '../support/gateway-harness'
import { accountConnected, apiClient, type GatewayProcess, linkAccountByQr, startGateway } from '../support/gateway-process'
import { runScript } from '../support/run-script'

const API_KEY = 'test-gateway-api-key-backup-0123456789'
const SHOPS = [
  { id: 'shop', phone: '4915100000031' },
  { id: 'store', phone: '4915100000032' },
]
const ANN = '15551230031'
const BEN = '15551230032'

/** The inbound WhatsApp message ids committed in `dbFile`, read through a read-only connection. */
function inboundIds(dbFile: string): Set<string> {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true })
  try {
    db.pragma('busy_timeout = 5000')
    const rows = db.prepare("SELECT wa_message_id AS id FROM messages WHERE direction = 'in'").all() as { id: string }[]
    return new Set(rows.map((r) => r.id))
  } finally {
    db.close()
  }
}

describe('npm run backup / restore on a running gateway', () => {
  let sim: Simulator | undefined
  const gateways: GatewayProcess[] = []
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-backup-'))
  afterAll(async () => {
    for (const g of gateways) await g.stop()
    await sim?.close()
    fs.rmSync(root, { recursive: true, force: true })
  })

  it('a backup taken during a burst restores into a fresh directory: accounts reconnect without a QR, every message committed before it is there', async () => {
    sim = await startSimulator({ port: 0 })
    for (const s of SHOPS) sim.createUser({ phone: s.phone, name: s.id })
    sim.createUser({ phone: ANN, name: 'Ann' })
    sim.createUser({ phone: BEN, name: 'Ben' })
    const dataDir = path.join(root, 'data')
    // No ENCRYPTION_KEY / AUTH_SECRET: the gateway generates them as files, which the backup must carry.
    const env = { DATA_DIR: dataDir, WA_WS_URL: sim.wsUrl, GATEWAY_API_KEY: API_KEY, RECONNECT_BASE_MS: '200' }
    const first = await startGateway(env)
    gateways.push(first)
    const api = apiClient(first.url, { authorization: `Bearer ${API_KEY}` })
    for (const s of SHOPS) await linkAccountByQr(api, sim, s)
    const devicesBefore = SHOPS.map((s) => sim!.getUser(s.phone).devices.length)

    // The burst: two contacts write to both accounts without pause until told to stop.
    const stop = new AbortController()
    let sent = 0
    const burst = (async () => {
      for (let i = 0; !stop.signal.aborted; i++) {
        await Promise.all([
          sim.sendText(ANN, SHOPS[0]!.phone, `ann ${i}`),
          sim.sendText(BEN, SHOPS[1]!.phone, `ben ${i}`),
          sim.sendText(ANN, SHOPS[1]!.phone, `ann→store ${i}`),
        ])
        sent += 3
        // The simulator's sends resolve without waiting for the network: a pause lets timers (and this
        // test) run, and keeps the burst at a pace the gateway commits as it goes (~100 messages/s).
        await new Promise((r) => setTimeout(r, 30))
      }
    })()
    const dbFile = path.join(dataDir, 'gateway.db')
    await until(() => inboundIds(dbFile).size >= 60 || undefined, 60_000, '60 messages committed')

    const committedBefore = inboundIds(dbFile)
    const sentAtStart = sent
    const archive = path.join(root, 'backup.tar')
    const backup = await runScript('scripts/backup.ts', [archive], { DATA_DIR: dataDir })
    expect(backup.stderr).toContain('contains the ENCRYPTION KEY')
    expect(backup.code, backup.stderr).toBe(0)
    expect(backup.stdout).toMatch(/backup written: .*backup\.tar .*mode 0600/)
    // the contacts went on writing while the backup ran
    expect(sent).toBeGreaterThan(sentAtStart)
    stop.abort()
    await burst
    expect(fs.statSync(archive).mode & 0o777).toBe(0o600)

    // Never two sockets for one account: the first gateway stops before the restored one starts.
    expect(await first.stop()).toBe(0)

    const refused = await runScript('scripts/restore.ts', [archive], { DATA_DIR: dataDir })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/is not empty .*restore only into an empty or new directory/)

    const restoredDir = path.join(root, 'restored')
    const restored = await runScript('scripts/restore.ts', [archive], { DATA_DIR: restoredDir })
    expect(restored.code, restored.stderr).toBe(0)
    expect(fs.statSync(restoredDir).mode & 0o777).toBe(0o700)
    for (const f of ['gateway.db', 'auth-secret', 'encryption-key']) expect(fs.statSync(path.join(restoredDir, f)).mode & 0o777).toBe(0o600)
    expect(fs.readFileSync(path.join(restoredDir, 'encryption-key'), 'utf8')).toBe(
      fs.readFileSync(path.join(dataDir, 'encryption-key'), 'utf8'),
    )

    const copy = new Database(path.join(restoredDir, 'gateway.db'), { readonly: true })
    try {
      expect(copy.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }])
    } finally {
      copy.close()
    }
    const inCopy = inboundIds(path.join(restoredDir, 'gateway.db'))
    const missing = [...committedBefore].filter((id) => !inCopy.has(id))
    expect(missing).toEqual([])

    const second = await startGateway({ ...env, DATA_DIR: restoredDir })
    gateways.push(second)
    const api2 = apiClient(second.url, { authorization: `Bearer ${API_KEY}` })
    // each account reconnects from the restored directory with its saved credentials
    for (const s of SHOPS) await accountConnected(api2, s.id)
    // reconnected with the saved credentials: no new device was linked at the phone
    expect(SHOPS.map((s) => sim!.getUser(s.phone).devices.length)).toEqual(devicesBefore)
    // and the restored Signal sessions work: a new message from a contact arrives in the restored gateway
    const after = await sim.sendText(ANN, SHOPS[0]!.phone, 'after the restore')
    await until(() => inboundIds(path.join(restoredDir, 'gateway.db')).has(after.id) || undefined, 20_000, 'the message after the restore')
  }, 240_000)

  it('with DATABASE_URL pointing at PostgreSQL, names the database tools and writes nothing', async () => {
    const archive = path.join(root, 'pg.tar')
    const r = await runScript('scripts/backup.ts', [archive], {
      DATA_DIR: path.join(root, 'pg-data'),
      DATABASE_URL: 'postgres://gw@127.0.0.1/gw',
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/pg_dump --format=custom/)
    expect(r.stderr).toMatch(/pg_basebackup/)
    expect(fs.existsSync(archive)).toBe(false)
    const restore = await runScript('scripts/restore.ts', [archive], {
      DATA_DIR: path.join(root, 'pg-data'),
      DATABASE_URL: 'postgresql://gw@127.0.0.1/gw',
    })
    expect(restore.code).toBe(1)
    expect(restore.stderr).toMatch(/pg_restore/)
    // two command-line runs, each starting Node with tsx: the 30 s default was exceeded once on a loaded machine
  }, 90_000)
})
