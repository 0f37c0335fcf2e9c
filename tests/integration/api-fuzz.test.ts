import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OPERATIONS } from '@/lib/api/operations'
import type { Contract } from '../support/contract'
import { apiClient, contractOf, type GatewayProcess, startGateway } from '../support/gateway-process'

/**
 * Property-based fuzzing of the whole API over real HTTP: random methods, paths (templates with
 * random values, random segments, broken percent-encoding), query strings, headers (credentials,
 * content types and encodings, request ids, origins) and bodies (random JSON, invalid UTF-8,
 * oversized). No answer may be a 5xx; every answer must match the OpenAPI document (an error
 * always in the envelope); the server must still be healthy afterwards.
 */
const ENV_KEY = 'test-gateway-api-key-0123456789abcdef'
const SEED = 1212
const RUNS = 100
const PER_RUN = 100 // 10,000 requests

let gw: GatewayProcess
let dataDir: string
let contract: Contract
let accountKey = ''
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 })

/** `big` stands for that many bytes (so a failing case prints short). */
type Body = Buffer | { big: number }
type Req = { method: string; path: string; headers: Record<string, string>; body?: Body }
type Res = { status: number; headers: http.IncomingHttpHeaders; text: string }

function send(req: Req): Promise<Res> {
  const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(req.body.big, 0x61)
  // Framed with Content-Length: Node's client sends a GET/DELETE/OPTIONS body unframed otherwise.
  const headers = body ? { ...req.headers, 'content-length': String(body.length) } : req.headers
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port: gw.port, method: req.method, path: req.path, headers, agent }, (res) => {
      if (res.statusCode === 200 && String(res.headers['content-type']).startsWith('text/event-stream')) {
        // the event stream never ends by itself: its first block must be the stream's opening, then hang up
        res.once('data', (c: Buffer) => {
          res.destroy()
          if (c.toString('utf8').startsWith('retry: ')) resolve({ status: 200, headers: res.headers, text: '' })
          else reject(new Error(`the event stream opened with ${JSON.stringify(c.toString('utf8').slice(0, 80))}`))
        })
        return
      }
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    r.on('error', reject)
    r.end(body)
  })
}

const segment = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom(
      'alpha',
      'beta',
      'missing',
      'key_0123456789abcdef',
      'whk_0123456789abcdef',
      '1',
      'connect',
      'qr',
      'ALPHA',
      'a'.repeat(70),
    ),
  },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/) },
  { weight: 1, arbitrary: fc.constantFrom('..', '.', '', 'alpha/') },
  { weight: 1, arbitrary: fc.stringMatching(/^(%[0-9A-Fa-f]{2}|%[G-Zg-z]{2}|%[0-9]|[a-z]){1,6}$/) }, // valid and broken percent-encoding
)
const templates = [...new Set(OPERATIONS.map((op) => op.path))]
const pathArb = fc.oneof(
  fc.tuple(fc.constantFrom(...templates), fc.array(segment, { minLength: 2, maxLength: 2 })).map(([t, [a, b]]) =>
    t
      .replace('{accountId}', a ?? 'alpha')
      .replace('{keyId}', b ?? 'x')
      .replace('{webhookId}', b ?? 'x')
      .replace('{deliveryId}', a ?? '1'),
  ),
  fc.array(segment, { minLength: 0, maxLength: 5 }).map((segs) => `/${segs.join('/')}`),
)
const queryArb = fc.oneof(
  fc.constant(''),
  fc.constantFrom(
    '?accountId=beta',
    '?accountId=alpha',
    '?limit=0',
    '?limit=5&before=3',
    '?since=yesterday',
    '?a=%zz',
    '?action=account.create',
  ),
  fc.dictionary(fc.stringMatching(/^[a-zA-Z]{1,8}$/), fc.stringMatching(/^[A-Za-z0-9%._-]{0,10}$/), { maxKeys: 3 }).map(
    (d) =>
      `?${Object.entries(d)
        .map(([k, v]) => `${k}=${v}`)
        .join('&')}`,
  ),
)
const bodyArb: fc.Arbitrary<Body | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v))),
  fc
    .record(
      {
        id: fc.oneof(fc.constant('fuzzed'), fc.string({ maxLength: 10 })),
        name: fc.string({ maxLength: 20 }),
        accountId: fc.constantFrom('alpha', 'beta', null, 7),
        scopes: fc.array(fc.constantFrom('accounts:read', 'admin', 'nope'), { maxLength: 3 }),
        phone: fc.string({ maxLength: 16 }),
        expiresAt: fc.constantFrom('2099-01-01T00:00:00Z', 'never', '2001-01-01T00:00:00Z'),
      },
      { requiredKeys: [] },
    )
    .map((v) => Buffer.from(JSON.stringify(v))),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)), // often invalid UTF-8 / not JSON
  fc.constant(Buffer.from('{"name":')),
  fc.integer({ min: 65_537, max: 90_000 }).map((n) => ({ big: n })),
)
const headersArb = fc.record(
  {
    authorization: fc.oneof(
      fc.constant('ENV'),
      fc.constant('ACCOUNT'),
      fc.constantFrom('Bearer ', 'Bearer wag_aaaaaaaaaa_bbbb', 'Basic YTpi', 'bearer  x y'),
      fc.stringMatching(/^Bearer [A-Za-z0-9_]{0,60}$/),
    ),
    'content-type': fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/problem+json',
      '',
    ),
    'content-encoding': fc.constantFrom('gzip', 'identity', 'br'),
    'x-request-id': fc.oneof(fc.stringMatching(/^[\w.:-]{1,70}$/), fc.constant('has spaces and ünïcode'.replace(/[^\x20-\x7e]/g, '?'))),
    origin: fc.constantFrom('http://evil.example', 'null', 'not a url'),
    cookie: fc.constantFrom('authjs.session-token=garbage', 'a=b'),
    accept: fc.constantFrom('text/html', '*/*'),
  },
  { requiredKeys: [] },
)
const requestArb = fc
  .record({
    method: fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'GET', 'POST') },
      { weight: 2, arbitrary: fc.constantFrom('PUT', 'HEAD', 'OPTIONS') },
      // Methods Node's HTTP parser knows (it answers a made-up one with its own 400 and closes the connection).
      { weight: 1, arbitrary: fc.constantFrom('TRACE', 'PROPFIND', 'MKCOL', 'PURGE', 'LINK') },
    ),
    path: pathArb,
    // Most requests use an operation's own method and path, so the routes themselves are exercised.
    op: fc.option(fc.constantFrom(...OPERATIONS), { freq: 3 }),
    segs: fc.array(segment, { minLength: 2, maxLength: 2 }),
    query: queryArb,
    headers: headersArb,
    body: bodyArb,
  })
  .map(({ method: randomMethod, path: randomPath, op, segs, query, headers, body }): Req => {
    const method = op ? op.method : randomMethod
    const p = op ? op.path.replace('{accountId}', segs[0] ?? 'alpha').replace('{keyId}', segs[1] ?? 'x') : randomPath
    const h: Record<string, string> = {}
    for (const [k, v] of Object.entries(headers)) {
      if (v === '') continue
      h[k] =
        k === 'authorization' && v === 'ENV' ? `Bearer ${ENV_KEY}` : k === 'authorization' && v === 'ACCOUNT' ? `Bearer ${accountKey}` : v
    }
    return { method, path: `/api/v1${p}${query}`, headers: h, body: method === 'GET' || method === 'HEAD' ? undefined : body }
  })

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-fuzz-'))
  // WA_WS_URL points at a closed port: a fuzzed connect fails fast instead of dialling WhatsApp.
  gw = await startGateway({
    DATA_DIR: dataDir,
    GATEWAY_API_KEY: ENV_KEY,
    WA_WS_URL: 'ws://127.0.0.1:9/ws/chat',
    API_RATE_LIMIT: '1000000',
    API_ADDRESS_RATE_LIMIT: '1000000',
    API_AUTH_FAILURE_LIMIT: '1000000',
  })
  const admin = apiClient(gw.url, { authorization: `Bearer ${ENV_KEY}` })
  for (const id of ['alpha', 'beta']) await admin('POST', '/api/v1/accounts', { id, name: id })
  const key = await admin('POST', '/api/v1/api-keys', { name: 'fuzz', accountId: 'alpha', scopes: ['accounts:read', 'accounts:manage'] })
  accountKey = String(key.json.key)
  contract = await contractOf(gw.url)
}, 90_000)

afterAll(async () => {
  agent.destroy()
  await (gw as GatewayProcess | undefined)?.stop()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('fuzzing every route', () => {
  it(`${RUNS * PER_RUN} random requests: no 5xx, every answer as documented, the server still healthy`, async () => {
    const statuses = new Map<number, number>()
    await fc.assert(
      fc.asyncProperty(fc.array(requestArb, { minLength: PER_RUN, maxLength: PER_RUN }), async (reqs) => {
        for (let i = 0; i < reqs.length; i += 10) {
          const batch = reqs.slice(i, i + 10)
          const answers = await Promise.all(batch.map(send))
          answers.forEach((res, j) => {
            const req = batch[j]!
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
            const what = `${req.method} ${req.path} ${JSON.stringify(req.headers)} → ${res.status} ${res.text.slice(0, 200)}`
            if (res.status >= 500) throw new Error(`5xx: ${what}`)
            // Dot segments are resolved as any URL resolves them (/a/../b is /b), by the server too.
            const pathname = new URL(req.path, 'http://gateway').pathname
            // `..` can climb out of /api/v1: what answers there is the dashboard, not this API.
            if (!/^\/api\/v1(\/|$)/.test(pathname.replace(/\/{2,}/g, '/'))) return
            // Next normalises a path that has a trailing slash, empty or dot segments with a redirect to
            // the clean path (on this origin); that is not an error.
            if (res.status === 308) {
              const raw = req.path.split('?')[0] ?? ''
              const target = new URL(String(res.headers.location), 'http://gateway')
              if (target.host === 'gateway' && /\/\/|.\/$|\/\.\.?(\/|$)/.test(raw)) return
              throw new Error(`unexpected redirect: ${what} → ${String(res.headers.location)}`)
            }
            let body: unknown = null
            if (res.text !== '') {
              if (!String(res.headers['content-type']).includes('application/json')) throw new Error(`not JSON: ${what}`)
              body = JSON.parse(res.text)
            }
            // Empty segments are dropped for routing (Next redirects a GET to the clean path; see above).
            const violation = contract.check(req.method, pathname.replace(/\/{2,}/g, '/'), res.status, body)
            if (violation) throw new Error(`${violation.problem}: ${what}`)
          })
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    )
    const health = await fetch(`${gw.url}/api/v1/health`)
    expect(health.status).toBe(200)
    expect(gw.child.exitCode).toBeNull()
    console.log('fuzz statuses', Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))
    expect(contract.violations).toEqual([])
  }, 600_000)
})
