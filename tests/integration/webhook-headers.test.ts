import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { insertAccount } from '@/lib/db/accounts'
import { appendEvent } from '@/lib/db/events'
import { until } from '../support/gateway-harness'
import { type Receiver, startReceiver } from '../support/webhook-receiver'
import { startWebhookStack } from '../support/webhook-stack'
import { recordAccountNews } from '@/lib/sessions/accounts'

/**
 * Editing an endpoint's custom headers: a kept header goes on being sent with its stored value (which
 * the editor never sends again), a new one is added, an unlisted one stops; the endpoint shows names only.
 */
let stack: Awaited<ReturnType<typeof startWebhookStack>>
let rx: Receiver

beforeAll(async () => {
  rx = await startReceiver()
  stack = await startWebhookStack()
  insertAccount({ db: stack.db, id: 'hdr', name: 'hdr', onNews: recordAccountNews })
  stack.dispatcher.run()
})
afterAll(async () => {
  await stack.stop()
  await rx.close()
})

let n = 0
async function deliverOne(): Promise<Record<string, string | string[] | undefined>> {
  const before = rx.at('/h').length
  appendEvent(stack.db, { type: 'account.deleted', accountId: 'hdr', data: { accountId: `hdr-${++n}` } })
  stack.dispatcher.run()
  await until(() => rx.at('/h').length > before, 5000, 'a delivery')
  return rx.at('/h')[before]!.headers
}

describe('editing custom headers', () => {
  it('keeps, replaces, adds and removes headers without the stored values leaving the gateway', async () => {
    const { webhook } = stack.service.create(null, {
      url: rx.url('/h'),
      accountId: 'hdr',
      headers: { Authorization: 'Bearer kept-value', 'X-Drop': 'dropped-value' },
    })
    expect(webhook.headers).toEqual(['Authorization', 'X-Drop'])
    let headers = await deliverOne()
    expect(headers).toMatchObject({ authorization: 'Bearer kept-value', 'x-drop': 'dropped-value' })

    const view = stack.service.update(null, webhook.id, { headers: { 'X-New': 'new-value' }, keepHeaders: ['Authorization'] })
    expect(view.headers.sort()).toEqual(['Authorization', 'X-New'])
    expect(JSON.stringify(view)).not.toMatch(/kept-value|new-value|dropped-value/)
    headers = await deliverOne()
    expect(headers).toMatchObject({ authorization: 'Bearer kept-value', 'x-new': 'new-value' })
    expect(headers['x-drop']).toBeUndefined()

    // keepHeaders alone: every other header goes
    stack.service.update(null, webhook.id, { keepHeaders: ['X-New'] })
    headers = await deliverOne()
    expect(headers['x-new']).toBe('new-value')
    expect(headers.authorization).toBeUndefined()

    // other fields leave the headers alone
    stack.service.update(null, webhook.id, { description: 'still there' })
    expect((await deliverOne())['x-new']).toBe('new-value')
  })

  it('refuses keeping a header that is not stored, and reserved names, changing nothing', () => {
    const { webhook } = stack.service.create(null, { url: rx.url('/h2'), accountId: 'hdr', headers: { 'X-A': 'a' } })
    let refused: unknown
    try {
      stack.service.update(null, webhook.id, { keepHeaders: ['X-Missing'] })
    } catch (err) {
      refused = err
    }
    expect(refused).toMatchObject({ code: 'validation_failed', details: [{ path: 'keepHeaders.0' }] })
    expect((refused as Error).message).toMatch(/X-Missing/)
    expect(() => stack.service.update(null, webhook.id, { headers: { 'Webhook-Signature': 'forged' } })).toThrow(
      expect.objectContaining({ code: 'validation_failed' }),
    )
    expect(() => stack.service.create(null, { url: rx.url('/h3'), headers: { Host: 'evil' } })).toThrow(
      expect.objectContaining({ code: 'validation_failed' }),
    )
    expect(stack.service.get(null, webhook.id).headers).toEqual(['X-A'])
  })
})
