import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertAccount } from '@/lib/db/accounts'
import { appendEvent } from '@/lib/db/events'
import { until } from '../support/gateway-harness'
import { type Receiver, startReceiver } from '../support/webhook-receiver'
import { startWebhookStack } from '../support/webhook-stack'
import { recordAccountNews } from '@/lib/sessions/accounts'

/**
 * The delivery worker against a real local receiver that misbehaves: every rule of the retry policy
 * as a receiver sees it (real HTTP, a real SQLite file, the production worker with short timings).
 */
let stack: Awaited<ReturnType<typeof startWebhookStack>>
let rx: Receiver

/** An event for `account` (a real outbox row, fanned out by the dispatcher). */
let n = 0
const emit = (accountId: string) => {
  const id = `acc-${++n}`
  return appendEvent(stack.db, { type: 'account.deleted', accountId, data: { accountId: `${accountId}:${id}` } })
}
const endpoint = (path: string, accountId: string, extra: { ordered?: boolean } = {}) =>
  stack.service.create(null, { url: rx.url(path), accountId, ...extra })
const deliveries = (webhookId: string) => stack.service.deliveries(null, webhookId, { limit: 200 }).data
const dispatched = (eventId: string) =>
  (stack.db.$client.prepare('SELECT dispatched_at AS d FROM events WHERE id = ?').get(eventId) as { d: number | null } | undefined)?.d !=
  null

beforeAll(async () => {
  rx = await startReceiver()
  stack = await startWebhookStack()
  for (const id of ['a500', 'slow', 'r429', 'redir', 'gone', 'reset', 'dead', 'healthy', 'rot', 'guard', 'replay'])
    insertAccount({ db: stack.db, id, name: id, onNews: recordAccountNews })
  // their account.created events go out before any endpoint exists: each test sees only its own events
  stack.dispatcher.run()
})
afterAll(async () => {
  await stack.stop()
  await rx.close()
})

describe('a receiver that misbehaves', () => {
  it('500, 500, then 200: delivered on the third attempt, the same webhook-id every time, each signature valid', async () => {
    const { webhook, secret } = endpoint('/a500', 'a500')
    rx.on('/a500', (_r, res, i) => {
      res.statusCode = i < 2 ? 500 : 200
      res.end(i < 2 ? 'busy' : 'ok')
    })
    const event = emit('a500')
    await until(() => deliveries(webhook.id)[0]?.status === 'delivered', 5000, 'delivered')
    const got = rx.at('/a500')
    expect(got).toHaveLength(3)
    expect(new Set(got.map((r) => r.headers['webhook-id']))).toEqual(new Set([event.id]))
    for (const r of got) expect(new Webhook(secret).verify(r.body, r.headers as Record<string, string>)).toMatchObject({ id: event.id })
    const [d] = deliveries(webhook.id)
    expect(d).toMatchObject({ attempts: 3, lastStatusCode: 200 })
    expect(d?.attemptLog.map((a) => [a.statusCode, a.error, a.response])).toEqual([
      [500, 'HTTP 500', 'busy'],
      [500, 'HTTP 500', 'busy'],
      [200, null, 'ok'],
    ])
  })

  it('slower than the timeout: the attempt is cut and retried', async () => {
    const { webhook } = endpoint('/slow', 'slow')
    rx.on('/slow', async (_r, res, i) => {
      if (i === 0) await new Promise((r) => setTimeout(r, 1500))
      res.end('ok')
    })
    emit('slow')
    await until(() => deliveries(webhook.id)[0]?.status === 'delivered', 6000, 'delivered')
    const [d] = deliveries(webhook.id)
    expect(d?.attemptLog[0]?.statusCode).toBeNull()
    expect(d?.attemptLog[0]?.error).toMatch(/within 400 ms/)
    expect(d?.attemptLog[0]?.durationMs).toBeLessThan(1000)
    expect(d?.attemptLog[1]).toMatchObject({ statusCode: 200 })
  })

  it('429 with Retry-After: the next attempt waits that long', async () => {
    const { webhook } = endpoint('/r429', 'r429')
    rx.on('/r429', (_r, res, i) => {
      if (i === 0) {
        res.statusCode = 429
        res.setHeader('retry-after', '1')
      }
      res.end()
    })
    emit('r429')
    await until(() => deliveries(webhook.id)[0]?.status === 'delivered', 6000, 'delivered')
    const [first, second] = rx.at('/r429')
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950)
  })

  it('a redirect is not followed: the delivery fails at once', async () => {
    const { webhook } = endpoint('/redir', 'redir')
    rx.on('/redir', (_r, res) => {
      res.statusCode = 302
      res.setHeader('location', rx.url('/elsewhere'))
      res.end()
    })
    emit('redir')
    await until(() => deliveries(webhook.id)[0]?.status === 'failed', 5000, 'failed')
    expect(deliveries(webhook.id)[0]?.attempts).toBe(1)
    expect(deliveries(webhook.id)[0]?.lastError).toMatch(/redirect 302 not followed/)
    expect(rx.at('/elsewhere')).toHaveLength(0)
  })

  it('410 disables the endpoint with its reason; later events are not sent to it', async () => {
    const { webhook } = endpoint('/gone', 'gone')
    rx.on('/gone', (_r, res) => {
      res.statusCode = 410
      res.end()
    })
    emit('gone')
    await until(() => !stack.service.get(null, webhook.id).enabled, 5000, 'disabled')
    expect(stack.service.get(null, webhook.id)).toMatchObject({ disabledReason: 'the endpoint answered 410 Gone' })
    const later = emit('gone')
    // The dispatcher fans an event out to the enabled endpoints in the transaction that marks it
    // dispatched: once it is marked, a delivery to this endpoint exists or never will.
    await until(() => dispatched(later.id), 5000, 'the later event dispatched')
    expect(deliveries(webhook.id)).toHaveLength(1)
    expect(rx.at('/gone')).toHaveLength(1)
  })

  it('a connection reset is retried', async () => {
    const { webhook } = endpoint('/reset', 'reset')
    rx.on('/reset', (_r, res, i) => {
      if (i === 0) res.socket?.destroy()
      else res.end('ok')
    })
    emit('reset')
    await until(() => deliveries(webhook.id)[0]?.status === 'delivered', 5000, 'delivered')
    expect(deliveries(webhook.id)[0]?.attemptLog[0]?.statusCode).toBeNull()
    expect(deliveries(webhook.id)[0]?.attemptLog[0]?.error).toMatch(/ECONNRESET|socket hang up/)
  })

  it('one endpoint dead while another is healthy: the healthy one gets every event at once, in order', async () => {
    endpoint('/dead', 'dead')
    const healthy = endpoint('/healthy', 'healthy')
    rx.on('/dead', () => undefined) // never answers
    const sent: string[] = []
    const deadEvents: string[] = []
    for (let i = 0; i < 20; i++) {
      deadEvents.push(emit('dead').id)
      sent.push(emit('healthy').id)
    }
    await until(() => rx.at('/healthy').length >= 20, 3000, 'the healthy endpoint to get all 20')
    expect(rx.at('/healthy').map((r) => r.headers['webhook-id'])).toEqual(sent)
    expect(deliveries(healthy.webhook.id).every((d) => d.status === 'delivered')).toBe(true)
    // the dead one: one delivery at a time (ordered): only its first event was ever tried, on its
    // retry schedule (how many tries fit depends on how fast this machine delivered the other 20)
    expect(rx.at('/dead').length).toBeGreaterThanOrEqual(1)
    expect(new Set(rx.at('/dead').map((r) => r.headers['webhook-id']))).toEqual(new Set([deadEvents[0]]))
  })
})

describe('secrets, guard and replay', () => {
  it('after a rotation each delivery carries both signatures, and each secret verifies it', async () => {
    const { webhook, secret: oldSecret } = endpoint('/rot', 'rot')
    const { secret } = stack.service.rotateSecret(null, webhook.id, 60_000)
    emit('rot')
    await until(() => rx.at('/rot').length === 1, 3000, 'the delivery')
    const [r] = rx.at('/rot')
    const headers = r!.headers as Record<string, string>
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2)
    expect(new Webhook(secret).verify(r!.body, headers)).toBeTruthy()
    expect(new Webhook(oldSecret).verify(r!.body, headers)).toBeTruthy()
  })

  it('a loopback target is refused unless an allowed CIDR covers it', async () => {
    // a gateway of its own whose deliveries may reach no private address (the production default)
    const strict = await startWebhookStack({ policy: { allowedCidrs: [], allowHttp: true, forbiddenCode: 'webhook_url_forbidden' } })
    try {
      insertAccount({ db: strict.db, id: 'guard', name: 'guard', onNews: recordAccountNews })
      expect(() => strict.service.create(null, { url: 'http://127.0.0.1:9/x', accountId: 'guard' })).toThrow(/loopback/)
      expect(() => strict.service.create(null, { url: 'http://[::ffff:127.0.0.1]/x', accountId: 'guard' })).toThrow(/not allowed/)
      expect(() => strict.service.create(null, { url: 'http://0x7f.1/x', accountId: 'guard' })).toThrow(/loopback/)
    } finally {
      await strict.stop()
    }
  })

  it('replay sends a failed delivery again: the same webhook-id and body, a fresh timestamp and signature', async () => {
    const { webhook, secret } = endpoint('/replay', 'replay')
    rx.on('/replay', (_r, res, i) => {
      res.statusCode = i === 0 ? 400 : 200
      res.end()
    })
    const event = emit('replay')
    await until(() => deliveries(webhook.id)[0]?.status === 'failed', 3000, 'failed')
    // webhook-timestamp counts seconds: replay once the clock has moved past the first attempt's
    const firstSecond = Number(rx.at('/replay')[0]?.headers['webhook-timestamp'])
    await until(() => Math.floor(Date.now() / 1000) > firstSecond, 3000, 'the next second')
    const d = deliveries(webhook.id)[0]!
    expect(stack.service.replay(null, webhook.id, d.id)).toMatchObject({ status: 'pending' })
    await until(() => deliveries(webhook.id)[0]?.status === 'delivered', 3000, 'delivered after replay')
    const [first, again] = rx.at('/replay')
    expect(again!.headers['webhook-id']).toBe(event.id)
    expect(again!.body).toBe(first!.body)
    expect(again!.headers['webhook-timestamp']).not.toBe(first!.headers['webhook-timestamp'])
    expect(new Webhook(secret).verify(again!.body, again!.headers as Record<string, string>)).toBeTruthy()
    // replay of failed ones in a range, and the test event
    expect(stack.service.replayFailed(null, webhook.id, { since: 0, until: Date.now() })).toEqual({ replayed: 0 })
    const t = stack.service.test(null, webhook.id)
    expect(t).toMatchObject({ eventType: 'webhook.test', status: 'pending' })
    await until(() => rx.at('/replay').length === 3, 3000, 'the test event')
    expect(JSON.parse(rx.at('/replay')[2]!.body)).toMatchObject({ type: 'webhook.test', data: { webhookId: webhook.id } })
  })

  it('replaying the failed ones in a range sends each again and announces each as replayed, for open pages', async () => {
    const { webhook } = endpoint('/replay-many', 'replay', { ordered: false })
    let refuse = true
    rx.on('/replay-many', (_r, res) => {
      res.statusCode = refuse ? 400 : 200
      res.end()
    })
    const events = [emit('replay'), emit('replay')]
    await until(() => deliveries(webhook.id).filter((d) => d.status === 'failed').length === 2, 3000, 'both failed')
    const announced: { change: string; id: number; status: string }[] = []
    const off = stack.gw.bus.on('webhook.delivery', (e) => {
      if (e.delivery.webhookId === webhook.id) announced.push({ change: e.change, id: e.delivery.id, status: e.delivery.status })
    })
    try {
      refuse = false
      expect(stack.service.replayFailed(null, webhook.id, { since: 0, until: Date.now() })).toEqual({ replayed: 2 })
      const ids = deliveries(webhook.id).map((d) => d.id)
      expect(announced.filter((a) => a.change === 'replayed')).toEqual(
        expect.arrayContaining(ids.map((id) => ({ change: 'replayed', id, status: 'pending' }))),
      )
      await until(() => deliveries(webhook.id).every((d) => d.status === 'delivered'), 3000, 'both delivered')
      const webhookIds = rx
        .at('/replay-many')
        .slice(2)
        .map((r) => r.headers['webhook-id'])
      expect(new Set(webhookIds)).toEqual(new Set(events.map((e) => e.id)))
    } finally {
      off()
    }
  })
})

describe('fair share of the delivery slots', () => {
  it('an endpoint that never answers holds at most half the slots: another endpoint is delivered at once', async () => {
    // its own database and worker (4 slots, attempts that could hang for 30 s), so no other worker delivers these
    const fair = await startWebhookStack({ concurrency: 4, timeoutMs: 30_000, leaseMs: 65_000 })
    try {
      for (const id of ['hang', 'fine']) insertAccount({ db: fair.db, id, name: id, onNews: recordAccountNews })
      fair.dispatcher.run()
      const on = (accountId: string, i: number) =>
        appendEvent(fair.db, { type: 'account.deleted', accountId, data: { accountId: `${accountId}:${i}` } })
      fair.service.create(null, { url: rx.url('/hang'), accountId: 'hang', ordered: false })
      fair.service.create(null, { url: rx.url('/fine'), accountId: 'fine' })
      rx.on('/hang', () => undefined) // never answers: each attempt holds its slot until the 30 s timeout
      for (let i = 0; i < 10; i++) on('hang', i)
      fair.dispatcher.run()
      await until(() => rx.at('/hang').length >= 2, 3000, 'the hanging endpoint to take its slots')
      const sent = [on('fine', 0), on('fine', 1), on('fine', 2)].map((e) => e.id)
      fair.dispatcher.run()
      await until(() => rx.at('/fine').length >= 3, 3000, 'the other endpoint to get its three events')
      expect(rx.at('/fine').map((r) => r.headers['webhook-id'])).toEqual(sent)
      // ceil(4 / 2): the other two slots stayed free for everyone else
      expect(rx.at('/hang')).toHaveLength(2)
    } finally {
      await fair.stop()
    }
  })
})
