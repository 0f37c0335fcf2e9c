import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { findAccount } from '@/lib/db/accounts'
import { messages, waCreds, waKeyPacks, waKeys } from '@/lib/db/schema'
import { createLogger } from '@/lib/logger'
import { createMessageSink } from '@/lib/sessions/message-sink'
import { packAad } from '@/lib/whatsapp/auth-state'
import { decodePack } from '@/lib/whatsapp/key-pack'
import { createHarness, type Harness, linkByQr, statusHistory, until } from '../support/gateway-harness'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

const deviceIdOf = (jid: string | null | undefined) => Number(/:(\d+)@/.exec(jid ?? '')?.[1])
const device = (h: Harness, phone: string, id: string) => h.sim.getDevice(phone, deviceIdOf(findAccount({ db: h.db, id })?.jid))
const credsRows = (h: Harness, id: string) => h.db.select().from(waCreds).where(eq(waCreds.accountId, id)).all().length

/** Every backoff delay of the harness' policy added up: what the longest run of retries waits in all. */
const wholeBackoffScheduleMs = (h: Harness) => {
  const { baseDelayMs, maxDelayMs, maxAttempts } = h.config.policy
  return Array.from({ length: maxAttempts }, (_, i) => Math.min(baseDelayMs * 2 ** i, maxDelayMs)).reduce((a, b) => a + b, 0)
}

describe('session manager through real Baileys and the simulator', () => {
  it('links by QR: create → qr_ready with a PNG → the phone scans → connected with the phone number', async () => {
    h = await createHarness()
    await linkByQr(h, 'shop', '15550001')
    const account = h.manager.get('shop')
    expect(account).toMatchObject({ status: 'connected', phone: '15550001', reconnectAttempts: 0 })
    expect(account.jid).toMatch(/^15550001:\d+@s\.whatsapp\.net$/)
    expect(account.lid).toMatch(/@lid$/)
    const qr = h.events['account.qr']?.[0]
    expect(qr?.image).toMatch(/^data:image\/png;base64,/)
    expect(qr?.expiresAt).toBeGreaterThan(Date.now() - 60_000)
    expect(statusHistory(h, 'shop')).toEqual(['connecting', 'qr_ready', 'connecting', 'connected'])
    expect(device(h, '15550001', 'shop').online).toBe(true)
    // Credentials are stored, encrypted, in SQLite.
    expect(credsRows(h, 'shop')).toBe(1)
    expect(() => h?.manager.getQr('shop')).toThrow(expect.objectContaining({ code: 'already_connected' }))
  })

  it('links by pairing code: the gateway returns an 8-character code that the phone enters', async () => {
    h = await createHarness()
    h.sim.createUser({ phone: '15550002', name: 'Pairing phone' })
    h.manager.create({ id: 'pair', name: 'Pair' })
    const { code, expiresAt } = await h.manager.requestPairingCode('pair', '15550002')
    expect(code).toMatch(/^[A-Z0-9]{8}$/)
    expect(expiresAt).toBeGreaterThan(Date.now())
    expect(h.status('pair')).toBe('pairing_code_ready')
    await h.sim.enterPairingCode('15550002', code)
    await h.waitStatus('pair', 'connected')
    expect(h.manager.get('pair').phone).toBe('15550002')
    await expect(h.manager.requestPairingCode('pair', '15550002')).rejects.toMatchObject({ code: 'already_connected' })
  })

  it('reconnects after a gateway restart with the saved creds, without a new QR', async () => {
    h = await createHarness()
    await linkByQr(h, 'shop', '15550003')
    h.manager.create({ id: 'idle', name: 'Never linked' })
    const loginsBefore = device(h, '15550003', 'shop').logins
    const qrsBefore = h.events['account.qr']?.length ?? 0
    await h.restart()
    await h.waitStatus('shop', 'connected')
    expect(device(h, '15550003', 'shop').logins).toBe(loginsBefore + 1)
    expect(h.events['account.qr']?.length ?? 0).toBe(qrsBefore)
    expect(h.status('idle')).toBe('disconnected')
    expect(h.manager.liveSockets()).toBe(1)
  })

  it('a stopped account stays stopped across a restart', async () => {
    h = await createHarness()
    await linkByQr(h, 'shop', '15550004')
    await h.manager.disconnect('shop')
    expect(h.status('shop')).toBe('disconnected')
    await until(() => !device(h!, '15550004', 'shop').online, 5000, 'device offline')
    await h.restart()
    expect(h.status('shop')).toBe('disconnected')
    expect(h.manager.liveSockets()).toBe(0)
    // The link was kept: connecting again logs in without a QR.
    await h.manager.connect('shop')
    await h.waitStatus('shop', 'connected')
  })

  it('515 reconnects at once; 408/428/500/503, a close and a TCP reset back off and reconnect', async () => {
    h = await createHarness()
    await linkByQr(h, 'shop', '15550005')
    for (const kind of [
      'stream_error_515',
      'stream_error_408',
      'stream_error_428',
      'stream_error_500',
      'stream_error_503',
      'close',
      'reset',
    ] as const) {
      const before = statusHistory(h, 'shop').length
      h.sim.disconnect('15550005', deviceIdOf(h.manager.get('shop').jid), kind)
      await until(() => statusHistory(h!, 'shop').length > before && h!.status('shop') === 'connected', 10_000, `reconnect after ${kind}`)
      const seen = statusHistory(h, 'shop').slice(before)
      if (kind === 'stream_error_515') expect(seen).toEqual(['connecting', 'connected'])
      else expect(seen).toEqual(['reconnecting', 'connecting', 'connected'])
      expect(h.manager.get('shop').reconnectAttempts).toBe(0)
    }
  })

  it('401 from the phone (device removed) → logged_out, auth state wiped, no reconnect', async () => {
    h = await createHarness()
    await linkByQr(h, 'shop', '15550006')
    const accepted = h.sim.stats().connections.accepted
    const packs = () => h!.db.select().from(waKeyPacks).where(eq(waKeyPacks.accountId, 'shop')).all()
    expect(packs().length).toBeGreaterThan(0) // the first-login pre-keys
    h.sim.unlink('15550006', deviceIdOf(h.manager.get('shop').jid))
    await h.waitStatus('shop', 'logged_out')
    expect(credsRows(h, 'shop')).toBe(0)
    expect(h.db.select().from(waKeys).where(eq(waKeys.accountId, 'shop')).all()).toHaveLength(0)
    expect(packs()).toHaveLength(0)
    // Nothing dials again. A reconnect would be dialled after one backoff step (FAST_CONFIG: 100 ms
    // doubling to 400 ms, no jitter); 1,500 ms is the whole schedule (100+200+400+400+400), so even
    // one that waited out every step would have reached the loopback simulator by now.
    expect(wholeBackoffScheduleMs(h)).toBeLessThanOrEqual(1500)
    await new Promise((r) => setTimeout(r, 1500))
    expect(h.sim.stats().connections.accepted).toBe(accepted)
    expect(h.status('shop')).toBe('logged_out')
    expect(h.manager.get('shop').jid).toBeNull()
  })

  it('440 conflict backs off without a storm and gives up after repeats', async () => {
    h = await createHarness()
    await linkByQr(h, 'shop', '15550007')
    const accepted = h.sim.stats().connections.accepted
    for (let i = 1; i <= 3; i++) {
      await h.waitStatus('shop', 'connected')
      h.sim.disconnect('15550007', deviceIdOf(h.manager.get('shop').jid), 'conflict')
      await until(() => ['reconnecting', 'failed'].includes(h!.status('shop') ?? ''), 5000, 'close handled')
    }
    await h.waitStatus('shop', 'failed')
    expect(h.manager.get('shop').statusReason).toMatch(/replaced by another session/)
    // One reconnect per conflict before giving up, none after. A further one would wait the longest
    // backoff step (what a conflict waits: 400 ms in FAST_CONFIG), so 1,000 ms would have seen it.
    expect(h.config.policy.maxDelayMs).toBeLessThanOrEqual(400)
    await new Promise((r) => setTimeout(r, 1000))
    expect(h.sim.stats().connections.accepted - accepted).toBe(2)
  })

  it('upgrade rejected (HTTP 403, no close event) → the watchdog retries; 5 consecutive failures → failed; reset clears it', async () => {
    h = await createHarness()
    await linkByQr(h, 'shop', '15550008')
    h.sim.setFaults({ rejectUpgrades: true })
    h.sim.disconnect('15550008', deviceIdOf(h.manager.get('shop').jid), 'close')
    await until(() => h!.manager.get('shop').reconnectAttempts >= 2, 15_000, 'watchdog retries')
    expect(h.sim.getFaults().rejected).toBeGreaterThanOrEqual(1)
    await h.waitStatus('shop', 'failed', 30_000)
    expect(h.manager.get('shop').statusReason).toMatch(/gave up after 5 consecutive failures/)
    const rejected = h.sim.getFaults().rejected
    // No more dials: a retry would come after at most the longest backoff step (400 ms in FAST_CONFIG)
    // and be rejected at the upgrade at once, so 1,000 ms would have counted it.
    expect(h.config.policy.maxDelayMs).toBeLessThanOrEqual(400)
    await new Promise((r) => setTimeout(r, 1000))
    expect(h.sim.getFaults().rejected).toBe(rejected)

    await h.manager.reset('shop')
    expect(h.manager.get('shop')).toMatchObject({ status: 'disconnected', reconnectAttempts: 0 })
    h.sim.setFaults({ rejectUpgrades: false })
    await h.manager.connect('shop')
    await h.waitStatus('shop', 'connected')
  })

  it('after an outage, retries go through the login gate: never more logins in flight than allowed', async () => {
    h = await createHarness({ loginConcurrency: 2 })
    const ids = ['g1', 'g2', 'g3', 'g4', 'g5']
    for (const [i, id] of ids.entries()) await linkByQr(h, id, `1555009000${i}`)
    const current = new Map(ids.map((id) => [id, 'connected']))
    let maxConnecting = 0
    const dropped = new Set<string>()
    h.bus.on('account.status', (e) => {
      current.set(e.accountId, e.status)
      if (e.status === 'reconnecting') dropped.add(e.accountId)
      maxConnecting = Math.max(maxConnecting, [...current.values()].filter((st) => st === 'connecting').length)
    })
    // Every connection drops at once; with no jitter all five backoff timers fire together.
    for (const id of ids) h.sim.disconnect(h.manager.get(id).phone ?? '', deviceIdOf(h.manager.get(id).jid), 'close')
    await until(
      () => dropped.size === ids.length && ids.every((id) => current.get(id) === 'connected'),
      20_000,
      'all dropped and reconnected',
    )
    expect(maxConnecting).toBe(2)
    for (const id of ids) expect(statusHistory(h, id).slice(-3)).toEqual(['reconnecting', 'connecting', 'connected'])
  })

  it('100 concurrent connect calls open exactly one socket', async () => {
    h = await createHarness()
    await linkByQr(h, 'shop', '15550009')
    await h.manager.disconnect('shop')
    await until(() => !device(h!, '15550009', 'shop').online, 5000, 'device offline')
    const accepted = h.sim.stats().connections.accepted
    await Promise.all(Array.from({ length: 100 }, () => h!.manager.connect('shop')))
    await h.waitStatus('shop', 'connected')
    expect(h.sim.stats().connections.accepted - accepted).toBe(1)
    expect(device(h, '15550009', 'shop').openConnections).toBe(1)
    expect(h.manager.liveSockets()).toBe(1)
  })

  it('a tampered auth row puts the account in failed with the reason, and no new identity is created', async () => {
    h = await createHarness()
    await linkByQr(h, 'shop', '15550010')
    await h.manager.shutdown()
    const row = h.db.select().from(waCreds).where(eq(waCreds.accountId, 'shop')).get()
    expect(row).toBeDefined()
    const tampered = Buffer.from(row!.value)
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0xff
    h.db.update(waCreds).set({ value: tampered }).where(eq(waCreds.accountId, 'shop')).run()
    const accepted = h.sim.stats().connections.accepted
    await h.restart()
    await h.waitStatus('shop', 'failed')
    expect(h.manager.get('shop').statusReason).toMatch(/decrypt|corrupt/i)
    expect(h.sim.stats().connections.accepted).toBe(accepted)
    // The stored row is left as it was for the operator to inspect, not replaced by fresh creds.
    expect(h.db.select().from(waCreds).where(eq(waCreds.accountId, 'shop')).get()?.value.equals(tampered)).toBe(true)
  })

  it('logout unlinks the device on the phone and wipes the auth state', async () => {
    h = await createHarness()
    await linkByQr(h, 'shop', '15550011')
    const deviceId = deviceIdOf(h.manager.get('shop').jid)
    await h.manager.logout('shop')
    expect(h.status('shop')).toBe('logged_out')
    await until(() => !h!.sim.getUser('15550011').devices.some((d) => d.deviceId === deviceId), 5000, 'device unlinked on the phone')
    expect(credsRows(h, 'shop')).toBe(0)
    // Linking again works (a new identity, by QR).
    await h.manager.connect('shop')
    await h.waitStatus('shop', 'qr_ready')
  })

  it('an unscanned QR expires into disconnected instead of retrying forever', async () => {
    h = await createHarness({ qrTimeoutMs: 300 }, { qrRefs: 2 })
    h.manager.create({ id: 'shop', name: 'Shop' })
    await h.manager.connect('shop')
    await h.waitStatus('shop', 'qr_ready')
    await h.waitStatus('shop', 'disconnected', 10_000)
    expect(h.manager.get('shop').statusReason).toMatch(/QR code expired/)
    expect(h.events['account.qr']?.length).toBeGreaterThanOrEqual(2)
  })

  it('stores received messages once and serves them back to Baileys through getMessage', async () => {
    h = await createHarness()
    await linkByQr(h, 'shop', '15550012')
    const preKeyRows = () =>
      h!.db
        .select()
        .from(waKeys)
        .where(eq(waKeys.accountId, 'shop'))
        .all()
        .filter((k) => k.type === 'pre-key')
    const linkedPreKeys = preKeyRows()
    expect(linkedPreKeys.length).toBeGreaterThan(800) // 812 uploaded; the phone may already have used one
    expect(linkedPreKeys.every((k) => k.packId !== null)).toBe(true) // the first-login batch went in packs
    h.sim.createUser({ phone: '15550099', name: 'Customer' })
    await h.sim.sendText('15550099', '15550012', 'hello shop')
    await h.sim.sendText('15550099', '15550012', 'second message')
    const rows = await until(
      () => {
        const r = h!.db
          .select()
          .from(messages)
          .where(eq(messages.accountId, 'shop'))
          .all()
          .filter((m) => m.direction === 'in')
        return r.length >= 2 ? r : undefined
      },
      10_000,
      'two stored messages',
    )
    expect(rows.map((r) => r.text).sort()).toEqual(['hello shop', 'second message'])
    expect(rows.every((r) => r.status === 'received' && r.chatJid.startsWith('15550099'))).toBe(true)

    // The new contact's first message used one of our pre-keys (pkmsg): Baileys deleted it, and its
    // pack was re-sealed without it — every packed row is still in its pack, the used one in none.
    const left = preKeyRows()
    const used = linkedPreKeys.filter((k) => !left.some((l) => l.id === k.id))
    expect(used.length).toBeGreaterThanOrEqual(1)
    const packs = h.db
      .select()
      .from(waKeyPacks)
      .where(eq(waKeyPacks.accountId, 'shop'))
      .all()
      .map((p) => ({ id: p.packId, pack: decodePack(h!.keyring.decrypt(p.keyId, p.value, packAad('shop', p.packId))) }))
    expect(packs.reduce((n, p) => n + p.pack.size, 0)).toBe(left.filter((k) => k.packId !== null).length)
    for (const k of left) if (k.packId !== null) expect(packs.find((p) => p.id === k.packId)?.pack.get('pre-key', k.id)).toBeDefined()
    for (const k of used) expect(packs.some((p) => p.pack.get('pre-key', k.id) !== undefined)).toBe(false)

    const sink = createMessageSink({ db: h.db, bus: h.bus, accountId: 'shop', log: createLogger({ level: 'silent' }) })
    const row = rows.find((r) => r.text === 'hello shop')!
    const content = await sink.getMessage({ remoteJid: row.chatJid, id: row.waMessageId, fromMe: false })
    expect(content?.conversation ?? content?.extendedTextMessage?.text).toBe('hello shop')
    expect(await sink.getMessage({ remoteJid: row.chatJid, id: 'NOPE', fromMe: false })).toBeUndefined()
    // A replay of the same upsert does not duplicate the row.
    sink.store([
      { key: { remoteJid: row.chatJid, id: row.waMessageId, fromMe: false }, message: { conversation: 'hello shop' }, messageTimestamp: 1 },
    ])
    expect(h.db.select().from(messages).where(eq(messages.waMessageId, row.waMessageId)).all()).toHaveLength(1)
  })
})
