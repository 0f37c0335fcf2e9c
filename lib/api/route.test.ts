import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { AuditLog } from '@/lib/audit/log'
import { TRUST_HEADERS } from '@/lib/http/request-trust'

const CLIENT_IP_HEADER = TRUST_HEADERS.clientIp
import { insertAccount } from '@/lib/db/accounts'
import type { DB } from '@/lib/db/client'
import { AppError } from '@/lib/errors'
import { KeyService } from '@/lib/keys/service'
import { createLogger } from '@/lib/logger'
import { type Runtime, setRuntime } from '@/lib/runtime'
import { createMemoryApiLimits } from './limits'
import { defineOperation } from './operation'
import { endpoint, type NextHandler, route } from './route'
import { tempDb } from '../../tests/support/temp-db'
import { recordAccountNews } from '@/lib/sessions/accounts'

const ENV_KEY = 'gateway-env-key-0123456789abcdef0123'
let db: DB
let close: () => void
let keys: KeyService
let calls: number

function start(
  limits = { perKeyPerMinute: 1000, perAddressPerMinute: 1000, authFailures: 5, authFailureWindowSeconds: 900, contactChecksPerMinute: 60 },
) {
  setRuntime({
    env: { authSecret: 'x'.repeat(40) },
    logger: createLogger({ level: 'silent' }),
    db,
    keys,
    apiLimits: createMemoryApiLimits(limits),
    audit: new AuditLog({ db }),
  } as unknown as Runtime)
}

beforeEach(() => {
  ;({ db, close } = tempDb())
  insertAccount({ db, id: 'shop', name: 'Shop', onNews: recordAccountNews })
  insertAccount({ db, id: 'other', name: 'Other', onNews: recordAccountNews })
  keys = new KeyService({ db, envKey: ENV_KEY })
  calls = 0
  start()
})
afterEach(() => {
  setRuntime(undefined)
  close()
})

const Params = z.object({ accountId: z.string() })
const readOp = defineOperation({
  id: 'readThing',
  method: 'GET',
  path: '/things/{accountId}',
  tag: 't',
  summary: 's',
  auth: { scope: 'accounts:read' },
  params: Params,
  query: z.strictObject({ accountId: z.string().optional() }),
  success: { status: 200, description: 'd', schema: z.object({ ok: z.boolean() }) },
})
const writeOp = defineOperation({
  id: 'writeThing',
  method: 'POST',
  path: '/things/{accountId}',
  tag: 't',
  summary: 's',
  auth: { scope: 'accounts:manage' },
  params: Params,
  body: z.strictObject({ name: z.string().min(1), accountId: z.string().optional() }),
  maxBodyBytes: 100,
  success: { status: 201, description: 'd', schema: z.object({ name: z.string() }) },
  audit: { action: 'thing.write', details: ({ body }) => ({ name: body.name }) },
})
const publicOp = defineOperation({
  id: 'hello',
  method: 'GET',
  path: '/hello',
  tag: 't',
  summary: 's',
  auth: 'public',
  success: { status: 200, description: 'd', schema: z.object({ hi: z.string() }) },
})

const read = route(readOp, () => {
  calls++
  return { ok: true }
})
const write = route(writeOp, ({ body }) => {
  calls++
  if (body.name === 'boom') throw new Error('database on fire')
  if (body.name === 'taken') throw new AppError('already_exists', 'taken')
  return { name: body.name }
})
const hello = route(publicOp, () => ({ hi: 'there' }))

function call(
  handler: NextHandler,
  opts: {
    method?: string
    key?: string
    params?: Record<string, string>
    query?: string
    body?: BodyInit
    headers?: Record<string, string>
  } = {},
) {
  const headers: Record<string, string> = { [CLIENT_IP_HEADER]: '192.0.2.1', ...opts.headers }
  if (opts.key) headers.authorization = `Bearer ${opts.key}`
  if (typeof opts.body === 'string' && !('content-type' in headers)) headers['content-type'] = 'application/json'
  const req = new Request(`http://gw.test/api/v1/things/x${opts.query ?? ''}`, {
    method: opts.method ?? 'GET',
    headers,
    body: opts.body,
    duplex: 'half',
  } as RequestInit)
  return handler(req, { params: Promise.resolve(opts.params ?? { accountId: 'shop' }) })
}
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string; details?: unknown } }).error
const auditRows = () => db.$client.prepare('SELECT * FROM audit_log ORDER BY id').all() as Record<string, unknown>[]

describe('route(): authentication', () => {
  it('answers a public operation without credentials, with rate-limit headers and a request id', async () => {
    const res = await call(hello)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ hi: 'there' })
    expect(res.headers.get('ratelimit-limit')).toBe('1000')
    expect(res.headers.get('ratelimit-remaining')).toBe('999')
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('refuses a protected operation without credentials, and with a wrong, revoked or expired key', async () => {
    const none = await call(read)
    expect(none.status).toBe(401)
    const noneErr = await errorOf(none)
    expect(noneErr.code).toBe('unauthorized')
    expect(noneErr.message).toContain('API key')
    expect((await errorOf(await call(read, { key: 'wag_nope' }))).message).toBe('The API key is not valid.')
    const { key, view } = keys.issue({ name: 'k', accountId: null, scopes: ['admin'], createdBy: 't' })
    expect((await call(read, { key })).status).toBe(200)
    keys.revoke(view.id, 't')
    expect((await errorOf(await call(read, { key }))).message).toBe('The API key has been revoked.')
    expect((await call(read, { headers: { authorization: 'Basic abc' } })).status).toBe(401)
    expect(calls).toBe(1)
  })

  it('throttles failed authentications per address, but never refuses a valid key from that address', async () => {
    for (let i = 0; i < 5; i++) expect((await call(read, { key: `wag_bad${i}` })).status).toBe(401)
    const blocked = await call(read, { key: 'wag_bad-again' })
    expect(blocked.status).toBe(429)
    const blockedErr = await errorOf(blocked)
    expect(blockedErr.code).toBe('rate_limited')
    expect(blockedErr.message).toContain('failed authentications')
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(800)
    // A valid key behind the same address (another client of the same proxy) still passes.
    expect((await call(read, { key: ENV_KEY })).status).toBe(200)
    expect((await call(read, { key: 'wag_bad-once-more' })).status).toBe(429)
    // Another address is not affected; anonymous requests (no credential) are not failures.
    expect((await call(read, { key: 'wag_bad', headers: { [CLIENT_IP_HEADER]: '192.0.2.2' } })).status).toBe(401)
    for (let i = 0; i < 10; i++) await call(read, { headers: { [CLIENT_IP_HEADER]: '192.0.2.3' } })
    expect((await call(read, { key: 'wag_bad', headers: { [CLIENT_IP_HEADER]: '192.0.2.3' } })).status).toBe(401)
  })
})

describe('route(): authorisation', () => {
  it('an account key on another account answers 404 exactly as a missing account, in path, query or body, before the scope check', async () => {
    const { key } = keys.issue({ name: 'k', accountId: 'shop', scopes: ['accounts:read'], createdBy: 't' })
    const path = await call(read, { key, params: { accountId: 'other' } })
    expect(path.status).toBe(404)
    expect(await errorOf(path)).toEqual({ code: 'not_found', message: 'No account with id "other".' })
    expect((await call(read, { key, query: '?accountId=other' })).status).toBe(404)
    // No accounts:manage scope, but the other account is refused first, as if it did not exist.
    expect((await call(write, { method: 'POST', key, params: { accountId: 'other' }, body: '{"name":"x"}' })).status).toBe(404)
    const { key: manager } = keys.issue({ name: 'm', accountId: 'shop', scopes: ['accounts:manage'], createdBy: 't' })
    expect((await call(write, { method: 'POST', key: manager, body: '{"name":"x","accountId":"other"}' })).status).toBe(404)
    expect(calls).toBe(0)
    expect(auditRows()).toEqual([])
    expect((await call(read, { key })).status).toBe(200)
  })

  it('a missing scope answers 403 insufficient_scope naming it; admin covers every scope', async () => {
    const { key } = keys.issue({ name: 'k', accountId: 'shop', scopes: ['accounts:read'], createdBy: 't' })
    const res = await call(write, { method: 'POST', key, body: '{"name":"x"}' })
    expect(res.status).toBe(403)
    const err = await errorOf(res)
    expect(err).toMatchObject({
      code: 'insufficient_scope',
      details: { required: 'accounts:manage', granted: ['accounts:read'] },
    })
    expect(err.message).toContain('"accounts:manage"')
    expect(calls).toBe(0)
    expect((await call(write, { method: 'POST', key: ENV_KEY, params: { accountId: 'other' }, body: '{"name":"x"}' })).status).toBe(201)
  })
})

describe('route(): input', () => {
  it('validates params, query and body with field-level details', async () => {
    const res = await call(write, { method: 'POST', key: ENV_KEY, body: '{"name":"","extra":1}' })
    expect(res.status).toBe(422)
    const err = await errorOf(res)
    expect(err.code).toBe('validation_failed')
    expect(err.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'name' })]))
    expect((await call(read, { key: ENV_KEY, query: '?unknown=1' })).status).toBe(422)
  })

  it('refuses bad bodies with 400, 413 and 415', async () => {
    const post = (body: BodyInit, headers: Record<string, string> = {}) => call(write, { method: 'POST', key: ENV_KEY, body, headers })
    expect(await errorOf(await post('{"name":'))).toMatchObject({ code: 'bad_request', message: 'The body is not valid JSON.' })
    expect((await errorOf(await post(new Uint8Array([0x7b, 0xff, 0x7d]), { 'content-type': 'application/json' }))).message).toMatch(/UTF-8/)
    expect((await post('name=x', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415)
    expect((await post('{"name":"x"}', { 'content-encoding': 'gzip' })).status).toBe(415)
    expect((await post(JSON.stringify({ name: 'x'.repeat(200) }))).status).toBe(413)
    expect(calls).toBe(0)
  })

  it('stops reading a chunked body as soon as it passes the cap', async () => {
    let pulled = 0
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++
        c.enqueue(new TextEncoder().encode('{"name":"' + 'x'.repeat(40)))
      },
    })
    const res = await call(write, { method: 'POST', key: ENV_KEY, body: endless, headers: { 'content-type': 'application/json' } })
    expect(res.status).toBe(413)
    expect(await errorOf(res)).toMatchObject({ code: 'payload_too_large' })
    expect(pulled).toBeLessThan(10)
  })
})

describe('route(): limits, errors and audit', () => {
  it('limits requests per key with RateLimit headers and Retry-After', async () => {
    start({ perKeyPerMinute: 2, perAddressPerMinute: 1000, authFailures: 5, authFailureWindowSeconds: 900, contactChecksPerMinute: 60 })
    expect((await call(read, { key: ENV_KEY })).headers.get('ratelimit-remaining')).toBe('1')
    expect((await call(read, { key: ENV_KEY })).status).toBe(200)
    const limited = await call(read, { key: ENV_KEY })
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(limited.headers.get('ratelimit-remaining')).toBe('0')
    expect(await errorOf(limited)).toMatchObject({ code: 'rate_limited' })
    // Another key has its own budget.
    const { key } = keys.issue({ name: 'k', accountId: null, scopes: ['admin'], createdBy: 't' })
    expect((await call(read, { key })).status).toBe(200)
  })

  it('limits requests per address, whoever makes them', async () => {
    start({ perKeyPerMinute: 1000, perAddressPerMinute: 3, authFailures: 5, authFailureWindowSeconds: 900, contactChecksPerMinute: 60 })
    for (let i = 0; i < 3; i++) expect((await call(hello)).status).toBe(200)
    expect((await call(hello)).status).toBe(429)
    expect((await call(read, { key: ENV_KEY })).status).toBe(429)
  })

  it('audits a successful write with actor, address and request id; a failed one writes nothing', async () => {
    const { key, view } = keys.issue({ name: 'CRM', accountId: 'shop', scopes: ['accounts:manage'], createdBy: 't' })
    const ok = await call(write, { method: 'POST', key, body: '{"name":"first"}', headers: { 'x-request-id': 'req-123' } })
    expect(ok.status).toBe(201)
    expect(ok.headers.get('x-request-id')).toBe('req-123')
    expect(await call(write, { method: 'POST', key, body: '{"name":"taken"}' }).then((r) => r.status)).toBe(409)
    expect(auditRows()).toEqual([
      expect.objectContaining({
        actor: `CRM (${view.prefix})`,
        actor_id: `api_key:${view.id}`,
        action: 'thing.write',
        target: 'shop',
        ip: '192.0.2.1',
        request_id: 'req-123',
        details: '{"name":"first"}',
      }),
    ])
  })

  it('answers an unexpected error with a generic 500 that quotes the request id', async () => {
    const res = await call(write, { method: 'POST', key: ENV_KEY, body: '{"name":"boom"}', headers: { 'x-request-id': 'req-9' } })
    expect(res.status).toBe(500)
    const err = await errorOf(res)
    expect(err.code).toBe('internal')
    expect(err.message).toContain('req-9')
    expect(err.message).not.toContain('fire')
  })
})

describe('endpoint()', () => {
  const methods = endpoint(read, write)
  it('answers other methods 405 in the error envelope with Allow; OPTIONS lists them; HEAD is GET', async () => {
    const put = await call(methods.PUT, { method: 'PUT' })
    expect(put.status).toBe(405)
    expect(put.headers.get('allow')).toBe('GET, HEAD, OPTIONS, POST')
    expect(await errorOf(put)).toMatchObject({ code: 'method_not_allowed' })
    const options = await call(methods.OPTIONS, { method: 'OPTIONS' })
    expect(options.status).toBe(204)
    expect(options.headers.get('allow')).toBe('GET, HEAD, OPTIONS, POST')
    expect(methods.HEAD).toBe(read)
  })
})

describe('types', () => {
  it('an operation must declare its auth (a scope or public)', () => {
    // @ts-expect-error -- `auth` is missing: an operation cannot be written without its scope
    const op = defineOperation({ id: 'x', method: 'GET', path: '/x', tag: 't', summary: 's', success: { status: 200, description: 'd' } })
    // @ts-expect-error -- a write must say what the audit log records
    defineOperation({
      id: 'y',
      method: 'POST',
      path: '/y',
      tag: 't',
      summary: 's',
      auth: 'public',
      success: { status: 204, description: 'd' },
    })
    defineOperation({
      id: 'z',
      method: 'GET',
      path: '/z',
      tag: 't',
      summary: 's',
      // @ts-expect-error -- not a scope
      auth: { scope: 'everything' },
      success: { status: 200, description: 'd' },
    })
    expect(op.id).toBe('x')
  })
})
