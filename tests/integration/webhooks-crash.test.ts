import type { ChildProcess } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Webhook } from 'standardwebhooks'
import { afterAll, describe, expect, it } from 'vitest'
import { closeDb, openDb } from '@/lib/db/client'
import { type Simulator, startSimulator } from '../../sim'
import { spawnCore } from '../support/core-process'
import { until } from '../support/gateway-harness'
import { type Receiver, startReceiver } from '../support/webhook-receiver'

/**
 * Crash safety of the outbox: the gateway core (a real process: sessions, message log, outbox,
 * dispatcher, webhook worker) is SIGKILLed at random moments while simulated contacts send 1,000
 * messages to several accounts. Afterwards every message is stored once, every one reached the
 * receiver at least once (duplicates with the same webhook-id), every message has its event and
 * every event its message, and the database is intact.
 */
const ACCOUNTS = [
  { id: 'a1', phone: '4915100000101' },
  { id: 'a2', phone: '4915100000102' },
  { id: 'a3', phone: '4915100000103' },
]
const CONTACTS = ['15550000201', '15550000202', '15550000203', '15550000204']
const TOTAL = 1000
const KILLS = 5

describe('webhooks survive SIGKILL', () => {
  let sim: Simulator | undefined
  let rx: Receiver | undefined
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-crash-'))
  const children: ChildProcess[] = []
  const lives: ReturnType<typeof spawnCore>[] = []
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
    await sim?.close()
    await rx?.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it(`${TOTAL} inbound messages over ${ACCOUNTS.length} accounts, the gateway killed ${KILLS} times: nothing lost`, async () => {
    sim = await startSimulator({ port: 0 })
    rx = await startReceiver()
    const receiver = rx
    for (const a of ACCOUNTS) sim.createUser({ phone: a.phone, name: a.id })
    for (const c of CONTACTS) sim.createUser({ phone: c, name: `Contact ${c}` })
    const env = {
      DATA_DIR: dir,
      ENCRYPTION_KEY: crypto.randomBytes(32).toString('hex'),
      WA_WS_URL: sim.wsUrl,
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
      WEBHOOK_ALLOW_HTTP: '1', // the receiver is plain HTTP on loopback
      WEBHOOK_LEASE_MS: '3000',
      // info: the journal replays (counted in the summary below); Baileys stays silent
      TEST_LOG_LEVEL: 'info',
    }

    let core = spawnCore(env)
    lives.push(core)
    children.push(core.child)
    await core.waitFor((e) => e.event === 'ready', 'ready')
    core.command({ cmd: 'webhook', url: receiver.url('/in') })
    const { secret } = (await core.waitFor((e) => e.event === 'webhook', 'the endpoint')) as unknown as { secret: string }
    for (const a of ACCOUNTS) {
      core.command({ cmd: 'create', id: a.id })
      core.command({ cmd: 'connect', id: a.id })
      const qr = await core.waitFor((e) => e.event === 'qr' && e.accountId === a.id, `a QR for ${a.id}`)
      await sim.scan(a.phone, String(qr.qr))
      await core.waitFor((e) => e.event === 'status' && e.accountId === a.id && e.status === 'connected', `${a.id} connected`)
    }

    // The contacts send in the background, whether the gateway is up or not (the simulator keeps
    // what a dead gateway cannot take and replays it on the next connection).
    const sent: { account: string; id: string; text: string }[] = []
    const sending = (async () => {
      for (let i = 0; i < TOTAL; i++) {
        const account = ACCOUNTS[i % ACCOUNTS.length]!
        const contact = CONTACTS[i % CONTACTS.length]!
        const text = `msg-${String(i).padStart(4, '0')}`
        const { id } = await sim.sendText(contact, account.phone, text)
        sent.push({ account: account.id, id, text })
        if (i % 20 === 19) await new Promise((r) => setTimeout(r, 30))
      }
    })()

    for (let k = 0; k < KILLS; k++) {
      // a random moment: between 0.3 and 1.5 s into this life
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 1200))
      core.child.kill('SIGKILL')
      expect(await core.exited).toBe(-1)
      core = spawnCore(env)
      lives.push(core)
      children.push(core.child)
      await core.waitFor((e) => e.event === 'ready', `ready after kill ${k + 1}`)
    }
    await sending
    expect(sent).toHaveLength(TOTAL)

    const deliveredIds = () => new Set(receiver.events('/in').map((e) => (e.data.message as { waMessageId: string }).waMessageId))
    // one parse of what arrived per poll (a parse per sent message made each poll quadratic: seconds at
    // ~500 deliveries, during which the receiver in this process could not answer the gateway in time)
    await until(
      () => {
        const delivered = deliveredIds()
        return sent.every((s) => delivered.has(s.id))
      },
      120_000,
      `all ${TOTAL} at the receiver (have ${deliveredIds().size})`,
    )

    // every delivery verifies; a message delivered twice came with the same webhook-id both times
    const idsByMessage = new Map<string, Set<string>>()
    for (const r of receiver.at('/in')) {
      const e = new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as {
        id: string
        data: { message: { waMessageId: string } }
      }
      const set = idsByMessage.get(e.data.message.waMessageId) ?? new Set()
      set.add(e.id)
      idsByMessage.set(e.data.message.waMessageId, set)
    }
    for (const s of sent) expect(idsByMessage.get(s.id)?.size, `${s.text}: one webhook-id`).toBe(1)

    core.child.kill('SIGTERM')
    expect(await core.exited).toBe(0)
    const db = openDb(path.join(dir, 'gateway.db'), { migrate: false })
    try {
      const q = <T>(sql: string) => db.$client.prepare(sql).all() as T[]
      const rows = q<{ wa_message_id: string; n: number }>(
        `select wa_message_id, count(*) as n from messages where direction = 'in' and type = 'text' group by account_id, wa_message_id`,
      )
      expect(rows.filter((r) => r.n !== 1)).toEqual([])
      const stored = new Set(rows.map((r) => r.wa_message_id))
      expect(sent.filter((s) => !stored.has(s.id))).toEqual([])
      // no message without its event, no message event without its message
      expect(
        q(
          `select m.id from messages m where m.direction = 'in' and not exists (select 1 from events e where e.message_id = m.id and e.type = 'message.received')`,
        ),
      ).toEqual([])
      expect(q(`select id from events where type like 'message.%' and message_id is null`)).toEqual([])
      expect(q(`select id from events where dispatched_at is null`)).toEqual([])
      expect(q<{ integrity_check: string }>('pragma integrity_check')).toEqual([{ integrity_check: 'ok' }])
      expect(q(`select id from inbound_journal`)).toEqual([])
      const replays = lives.flatMap((l) => l.events).filter((e) => e.msg === 'journaled messages stored after a crash')
      const posts = receiver.at('/in').length
      console.log(
        `crash test: ${sent.length} sent, ${stored.size} stored once, ${idsByMessage.size} distinct at the receiver in ${posts} deliveries ` +
          `(${posts - idsByMessage.size} repeated); journal replays: ${replays.length}, ` +
          `${replays.reduce((n, e) => n + Number(e.messages), 0)} messages, ${replays.reduce((n, e) => n + Number(e.created), 0)} not stored before`,
      )
    } finally {
      closeDb(db)
    }
  }, 300_000)
})
