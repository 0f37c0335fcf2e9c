import { describe, expect, expectTypeOf, it } from 'vitest'
import { ApiError, type CallInput, type CallResult, createApiClient, type Operations, operationUrl } from './client'
import { ROUTES } from './routes.gen'
import type { MessageView } from '@/lib/messages/types'

type Seen = { url: string; init: RequestInit }

/** A client whose fetch records the request and answers `answer`. */
function recording(answer: () => Response) {
  const seen: Seen[] = []
  const client = createApiClient({
    fetch: (url, init) => {
      seen.push({ url: url instanceof Request ? url.url : url.toString(), init: init ?? {} })
      return Promise.resolve(answer())
    },
  })
  return { client, seen }
}

const MESSAGE = {
  id: 'msg_1',
  waMessageId: '3EB0',
  accountId: 'shop',
  chat: { jid: '15550001@s.whatsapp.net', phone: '15550001', lid: null, name: null },
  direction: 'out',
  from: null,
  type: 'text',
  text: 'hi',
  content: { text: { body: 'hi' } },
  context: null,
  reactions: [],
  status: 'queued',
  statusReason: null,
  errorCode: null,
  queuePosition: 1,
  timestamp: 1,
  createdAt: 1,
  updatedAt: 1,
  sentAt: null,
  deliveredAt: null,
  readAt: null,
  editedAt: null,
  deletedAt: null,
} as const

describe('operationUrl', () => {
  it('fills the declared path under /api/v1 with the parameters, each one encoded as one segment', () => {
    expect(operationUrl(ROUTES.sendMessage, { params: { accountId: 'shop' } })).toBe('/api/v1/accounts/shop/messages')
    expect(operationUrl(ROUTES.deleteMessage, { params: { accountId: 'shop', messageId: 'a/b?c#d e' } })).toBe(
      '/api/v1/accounts/shop/messages/a%2Fb%3Fc%23d%20e',
    )
    expect(operationUrl(ROUTES.getSendQueue, { params: { accountId: 'shop' } }, 'http://gw.test')).toBe(
      'http://gw.test/api/v1/accounts/shop/queue',
    )
  })

  it('refuses a missing, empty or dot-segment parameter (a URL parser would climb out of the path) and one the path does not have', () => {
    expect(() => operationUrl(ROUTES.sendMessage, { params: {} })).toThrow('"accountId" is missing')
    expect(() => operationUrl(ROUTES.sendMessage, { params: { accountId: '' } })).toThrow('cannot be ""')
    expect(() => operationUrl(ROUTES.deleteMessage, { params: { accountId: 'shop', messageId: '..' } })).toThrow('cannot be ".."')
    expect(() => operationUrl(ROUTES.deleteMessage, { params: { accountId: 'shop', messageId: '.' } })).toThrow('cannot be "."')
    expect(() => operationUrl(ROUTES.sendMessage, { params: { accountId: 'shop', messageId: 'x' } })).toThrow(
      'no path parameter "messageId"',
    )
  })

  it('writes the query: values as text, lists joined with commas, undefined, null and empty lists left out', () => {
    const url = operationUrl(ROUTES.listMessages, {
      params: { accountId: 'shop' },
      query: { chat: '+1 555 0100', status: ['delivered', 'read'], type: [], limit: 20, cursor: undefined, direction: null },
    })
    expect(url).toBe('/api/v1/accounts/shop/messages?chat=%2B1+555+0100&status=delivered%2Cread&limit=20')
    const read = new URL(url, 'http://gw.test').searchParams
    expect(Object.fromEntries(read)).toEqual({ chat: '+1 555 0100', status: 'delivered,read', limit: '20' })
    expect(() => operationUrl(ROUTES.listMessages, { params: { accountId: 'shop' }, query: { chat: { nested: 1 } } })).toThrow('"chat"')
  })
})

describe('the client', () => {
  it('sends the declared method with a JSON body and the session cookie (same origin), and answers the parsed body', async () => {
    const { client, seen } = recording(() => Response.json(MESSAGE, { status: 202 }))
    const body = { to: '+1 555 0100', type: 'text', text: { body: 'hi' } } as const
    const m = await client.call('sendMessage', { params: { accountId: 'shop' }, body, headers: { 'idempotency-key': 'k1' } })
    expect(m).toEqual(MESSAGE)
    expect(seen).toHaveLength(1)
    expect(seen[0]?.url).toBe('/api/v1/accounts/shop/messages')
    expect(seen[0]?.init).toMatchObject({
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k1' },
    })
    expect(JSON.parse(seen[0]?.init.body as string)).toEqual(body)
  })

  it('sends a form as it is, for an operation whose handler reads a multipart body', async () => {
    const { client, seen } = recording(() => Response.json({ id: 'med_1' }, { status: 201 }))
    const form = new FormData()
    form.append('file', new Blob(['x'], { type: 'text/plain' }), 'x.txt')
    await client.call('uploadMedia', { params: { accountId: 'shop' }, form })
    expect(seen[0]?.init.body).toBe(form)
    expect(seen[0]?.init.headers).toEqual({})
    await expect(client.call('uploadMedia', { params: { accountId: 'shop' } })).rejects.toThrow('uploadMedia takes a form body')
  })

  it('answers nothing for a 204', async () => {
    const { client, seen } = recording(() => new Response(null, { status: 204 }))
    await expect(client.call('deleteWebhook', { params: { webhookId: 'wh_1' } })).resolves.toBeUndefined()
    expect(seen[0]).toMatchObject({ url: '/api/v1/webhooks/wh_1', init: { method: 'DELETE' } })
  })

  it("rejects with the API's status, stable code, message, field issues and request id", async () => {
    const { client } = recording(() =>
      Response.json(
        {
          error: {
            code: 'validation_failed',
            message: 'Invalid body: text.body too short',
            details: [{ path: 'text.body', message: 'too short' }, 'not an issue'],
          },
        },
        { status: 422, headers: { 'x-request-id': 'req-1' } },
      ),
    )
    const err = await client
      .call('sendMessage', { params: { accountId: 'shop' }, body: { to: '1', type: 'text', text: { body: '' } } })
      .then(
        () => null,
        (e: unknown) => e,
      )
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({
      status: 422,
      code: 'validation_failed',
      message: 'Invalid body: text.body too short',
      issues: [{ path: 'text.body', message: 'too short' }],
      requestId: 'req-1',
    })
  })

  it('says what happened when the answer is not the API’s envelope, or nothing answered', async () => {
    const proxy = recording(() => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }))
    await expect(proxy.client.call('getSendQueue', { params: { accountId: 'shop' } })).rejects.toMatchObject({
      status: 502,
      code: 'http_error',
      message: 'The gateway answered 502 Bad Gateway.',
    })
    const offline = createApiClient({ fetch: () => Promise.reject(new TypeError('Failed to fetch')) })
    await expect(offline.call('getSendQueue', { params: { accountId: 'shop' } })).rejects.toMatchObject({
      status: 0,
      code: 'network_error',
    })
  })

  it('takes its types from the operation’s schemas', () => {
    expectTypeOf<CallInput<Operations['sendMessage']>['params']>().toEqualTypeOf<{ accountId: string }>()
    expectTypeOf<CallResult<Operations['sendMessage']>>().toExtend<MessageView>()
    expectTypeOf<CallResult<Operations['deleteWebhook']>>().toEqualTypeOf<undefined>()
    // a send body is the API's message object, not anything
    expectTypeOf<{ to: string; type: 'text'; text: { body: string } }>().toExtend<
      NonNullable<CallInput<Operations['sendMessage']>['body']>
    >()
    expectTypeOf<{ to: string; type: 'nope' }>().not.toExtend<NonNullable<CallInput<Operations['sendMessage']>['body']>>()
    // an operation without a JSON body takes none; the upload takes a form
    expectTypeOf<CallInput<Operations['deleteWebhook']>['body']>().toEqualTypeOf<undefined>()
    expectTypeOf<CallInput<Operations['uploadMedia']>['form']>().toEqualTypeOf<FormData | undefined>()
    // the query of a list is optional; the params of a path with templates are not
    expectTypeOf<{ params: { accountId: string } }>().toExtend<CallInput<Operations['listMessages']>>()
    expectTypeOf<{ query: { limit: 5 } }>().not.toExtend<CallInput<Operations['listMessages']>>()
  })
})
