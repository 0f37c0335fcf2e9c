import type { ChildProcess } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { closeDb, openDb } from '@/lib/db/client'
import { messages } from '@/lib/db/schema'
import { type Simulator, startSimulator } from '../../sim'
import { spawnCore } from '../support/core-process'
import { until } from '../support/gateway-harness'

const SHOP = '4915100000002'
const ANN = '15551234568'

describe('the send queue survives a SIGKILL', () => {
  let sim: Simulator | undefined
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-kill-'))
  const children: ChildProcess[] = []
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
    await sim?.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('100 queued, the process killed mid-queue and restarted: each sent exactly once, in order', async () => {
    sim = await startSimulator({ port: 0 })
    sim.createUser({ phone: SHOP, name: 'Shop' })
    sim.createUser({ phone: ANN, name: 'Ann' })
    const env = {
      DATA_DIR: dir,
      ENCRYPTION_KEY: crypto.randomBytes(32).toString('hex'),
      WA_WS_URL: sim.wsUrl,
      // a gap keeps most of the queue waiting when the kill lands, also when a loaded machine makes
      // this test notice the 20th delivery late (at 15 ms the whole queue could be out by then)
      SEND_MIN_GAP_MS: '40',
      // no per-minute cap: the 100 would otherwise wait for the next minutes' allowance
      SEND_PER_MINUTE: '0',
    }

    const first = spawnCore(env)
    children.push(first.child)
    await first.waitFor((e) => e.event === 'ready', 'ready')
    first.command({ cmd: 'create', id: 'shop' })
    first.command({ cmd: 'connect', id: 'shop' })
    const qr = await first.waitFor((e) => e.event === 'qr', 'a QR')
    await sim.scan(SHOP, String(qr.qr))
    await first.waitFor((e) => e.event === 'status' && e.status === 'connected', 'connected')
    first.command({ cmd: 'send', id: 'shop', to: `+${ANN}`, count: 100 })
    const accepted = await first.waitFor((e) => e.event === 'accepted', 'accepted')
    expect(accepted.ids).toHaveLength(100)
    await until(() => sim!.inbox(ANN).length >= 20, 30_000, '20 messages delivered')
    first.child.kill('SIGKILL')
    expect(await first.exited).toBe(-1)
    const beforeRestart = sim.inbox(ANN).length
    expect(beforeRestart).toBeLessThan(100)

    const second = spawnCore(env)
    children.push(second.child)
    await second.waitFor((e) => e.event === 'status' && e.status === 'connected', 'reconnected after the restart', 60_000)
    await until(() => sim!.inbox(ANN).length >= 100, 60_000, 'all 100 at the contact')
    // a marker after the queue: nothing else was still on its way
    second.command({ cmd: 'send', id: 'shop', to: `+${ANN}`, count: 1, prefix: 'marker' })
    await until(() => sim!.inbox(ANN).some((e) => e.text === 'marker000'), 30_000, 'the marker')

    const inbox = sim.inbox(ANN)
    const expected = Array.from({ length: 100 }, (_, i) => `m${String(i).padStart(3, '0')}`)
    // each exactly once and in order (the simulator lists an id once and counts any re-send of it)
    expect(inbox.map((e) => e.text)).toEqual([...expected, 'marker000'])
    const resent = inbox.reduce((n, e) => n + (e.resent ?? 0), 0)
    // the one message in flight at the kill may go out again under the same WhatsApp id, which
    // WhatsApp clients (and the simulator) show once
    expect(resent).toBeLessThanOrEqual(1)

    second.child.kill('SIGTERM')
    expect(await second.exited).toBe(0)
    const db = openDb(path.join(dir, 'gateway.db'))
    try {
      const rows = db
        .select()
        .from(messages)
        .all()
        .filter((m) => m.direction === 'out')
      expect(rows).toHaveLength(101)
      expect(rows.every((m) => ['sent', 'delivered', 'read'].includes(m.status) && m.request === null)).toBe(true)
    } finally {
      closeDb(db)
    }
  }, 180_000)
})
