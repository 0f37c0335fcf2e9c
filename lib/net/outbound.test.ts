import http from 'node:http'
import type { AddressInfo } from 'node:net'
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isAppError } from '@/lib/errors'
import { addressRefusal, guardedRequest, parseCidrs, readBody, type OutboundPolicy } from './outbound'

/** A TCP listener that counts every connection made to it: "no connection to the target" is observable. */
async function listener(host: string): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0
  const server = net.createServer((s) => {
    count++
    s.destroy()
  })
  await new Promise<void>((r) => server.listen(0, host, r))
  const { port } = server.address() as AddressInfo
  return { port, connections: () => count, close: () => new Promise((r) => server.close(() => r())) }
}

const strict: OutboundPolicy = { allowedCidrs: [], allowHttp: true, forbiddenCode: 'media_url_forbidden' }

async function refusal(url: string, policy: OutboundPolicy = strict): Promise<string> {
  try {
    const res = await guardedRequest(url, { policy, timeoutMs: 2000, maxRedirects: 3 })
    res.body.destroy()
    return `answered ${res.status}`
  } catch (err) {
    return isAppError(err) ? err.code : `threw ${String(err)}`
  }
}

describe('address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'uniqueLocal'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['2002:7f00:1::', '6to4'],
    ['64:ff9b::7f00:1', 'rfc6052'],
    ['224.0.0.1', 'multicast'],
  ])('refuses %s (%s)', (ip, range) => {
    expect(addressRefusal(ip, [])).toContain(range)
  })

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '172.32.0.1', '100.128.0.1'])('lets the public address %s through', (ip) => {
    expect(addressRefusal(ip, [])).toBeNull()
  })

  it('opens exactly the configured ranges', () => {
    const allowed = parseCidrs('10.0.0.0/8, ::1')
    expect(allowed).toEqual(['10.0.0.0/8', '::1/128'])
    expect(addressRefusal('10.9.9.9', allowed)).toBeNull()
    expect(addressRefusal('::1', allowed)).toBeNull()
    expect(addressRefusal('127.0.0.1', allowed)).toContain('loopback')
    expect(addressRefusal('192.168.0.1', allowed)).toContain('private')
  })

  it('refuses a malformed CIDR setting with a message naming it', () => {
    expect(() => parseCidrs('10.0.0.0/8,not-an-ip')).toThrow(/not-an-ip/)
  })
})

describe('guardedRequest', () => {
  let target: Awaited<ReturnType<typeof listener>>
  let target2: Awaited<ReturnType<typeof listener>>
  let web: http.Server
  let webPort = 0

  beforeAll(async () => {
    target = await listener('127.0.0.1')
    target2 = await listener('127.0.0.2')
    web = http.createServer((req, res) => {
      if (req.url === '/to-private') {
        res.writeHead(302, { location: `http://127.0.0.2:${target2.port}/secret` })
        res.end()
      } else if (req.url === '/to-self') {
        res.writeHead(301, { location: '/ok' })
        res.end()
      } else if (req.url === '/slow-body') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' })
        res.write('first bytes')
        // never ends
      } else if (req.url === '/big') {
        res.writeHead(200, { 'content-length': '4096' })
        res.end(Buffer.alloc(4096))
      } else if (req.url === '/chunked-big') {
        res.writeHead(200)
        res.write(Buffer.alloc(2048))
        res.end(Buffer.alloc(2048))
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.end(`hello ${req.method ?? ''}`)
      }
    })
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r))
    webPort = (web.address() as AddressInfo).port
  })

  afterAll(async () => {
    await target.close()
    await target2.close()
    await new Promise((r) => web.close(r))
  })

  it.each([
    (p: number) => `http://127.0.0.1:${p}/`,
    (p: number) => `http://localhost:${p}/`,
    (p: number) => `http://[::1]:${p}/`,
    (p: number) => `http://0.0.0.0:${p}/`,
    (p: number) => `http://0x7f.1:${p}/`,
    (p: number) => `http://2130706433:${p}/`,
    (p: number) => `http://017700000001:${p}/`,
    (p: number) => `http://[::ffff:127.0.0.1]:${p}/`,
    (p: number) => `http://127.1:${p}/`,
  ])('refuses %s with the policy code and opens no connection', async (make) => {
    const before = target.connections()
    expect(await refusal(make(target.port))).toBe('media_url_forbidden')
    expect(target.connections()).toBe(before)
  })

  it.each([
    'http://10.0.0.1/',
    'http://172.16.0.1/',
    'http://192.168.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.0.1/',
    'http://[fc00::1]/',
    'http://[fd00:ec2::254]/',
  ])('refuses %s before any connection attempt', async (url) => {
    expect(await refusal(url)).toBe('media_url_forbidden')
  })

  it('refuses plain http unless the policy allows it, and other schemes always', async () => {
    const httpsOnly = { ...strict, allowHttp: false, allowedCidrs: ['127.0.0.1/32'] }
    expect(await refusal(`http://127.0.0.1:${webPort}/`, httpsOnly)).toBe('media_url_forbidden')
    expect(await refusal('file:///etc/passwd', strict)).toBe('media_url_forbidden')
    expect(await refusal('ftp://example.com/x', strict)).toBe('media_url_forbidden')
    expect(await refusal('not a url', strict)).toBe('media_url_forbidden')
  })

  it('fetches from an allowed range, and re-checks every redirect hop', async () => {
    const policy = { ...strict, allowedCidrs: ['127.0.0.1/32'] }
    const ok = await guardedRequest(`http://127.0.0.1:${webPort}/to-self`, { policy, timeoutMs: 2000, maxRedirects: 2 })
    expect(ok.status).toBe(200)
    expect(ok.url.pathname).toBe('/ok')
    expect((await readBody(ok.body, 100)).toString()).toBe('hello GET')

    const before = target2.connections()
    expect(await refusal(`http://127.0.0.1:${webPort}/to-private`, policy)).toBe('media_url_forbidden')
    expect(target2.connections()).toBe(before)
  })

  it('returns redirects as they are when not following them', async () => {
    const policy = { ...strict, allowedCidrs: ['127.0.0.1/32'], forbiddenCode: 'webhook_url_forbidden' as const }
    const res = await guardedRequest(`http://127.0.0.1:${webPort}/to-private`, {
      policy,
      method: 'POST',
      body: '{}',
      timeoutMs: 2000,
      maxRedirects: 0,
    })
    res.body.destroy()
    expect(res.status).toBe(302)
    expect(target2.connections()).toBe(0)
  })

  it('fails a body that never ends with upstream_timeout', async () => {
    const policy = { ...strict, allowedCidrs: ['127.0.0.1/32'] }
    const res = await guardedRequest(`http://127.0.0.1:${webPort}/slow-body`, { policy, timeoutMs: 300, maxRedirects: 0 })
    const err = await readBody(res.body, 1 << 20).then(
      () => null,
      (e: unknown) => e,
    )
    expect(isAppError(err) && err.code).toBe('upstream_timeout')
  })

  it('caps the size, by Content-Length and while streaming', async () => {
    const policy = { ...strict, allowedCidrs: ['127.0.0.1/32'] }
    const declared = await guardedRequest(`http://127.0.0.1:${webPort}/big`, {
      policy,
      timeoutMs: 2000,
      maxRedirects: 0,
      maxBytes: 1000,
    }).catch((e: unknown) => e)
    expect(isAppError(declared) && declared.code).toBe('payload_too_large')
    const streamed = await guardedRequest(`http://127.0.0.1:${webPort}/chunked-big`, {
      policy,
      timeoutMs: 2000,
      maxRedirects: 0,
      maxBytes: 3000,
    })
    const err = await readBody(streamed.body, 1 << 20).then(
      () => null,
      (e: unknown) => e,
    )
    expect(isAppError(err) && err.code).toBe('payload_too_large')
  })

  it('reports an unreachable or unknown host as upstream_failed', async () => {
    const policy = { ...strict, allowedCidrs: ['127.0.0.1/32'] }
    const closed = await listener('127.0.0.1')
    await closed.close()
    expect(await refusal(`http://127.0.0.1:${closed.port}/`, policy)).toBe('upstream_failed')
    expect(await refusal('http://name-that-does-not-exist.invalid/', policy)).toBe('upstream_failed')
  })
})

describe('a refusal of a host name', () => {
  it('does not say what the name resolved to; the log does', async () => {
    const logged: { obj: Record<string, unknown>; msg: string }[] = []
    const log = { warn: (obj: Record<string, unknown>, msg: string) => logged.push({ obj, msg }) }
    const err = await guardedRequest('http://localhost:9/x', { policy: strict, timeoutMs: 2000, maxRedirects: 0, log }).catch(
      (e: unknown) => e,
    )
    expect(isAppError(err) && err.code).toBe('media_url_forbidden')
    const answer = JSON.stringify(isAppError(err) ? err.toJSON() : null)
    expect(answer).toContain('localhost resolves to an address that is not allowed')
    expect(answer).not.toMatch(/127\.0\.0\.1|::1|loopback/)
    expect(logged).toEqual([
      {
        obj: expect.objectContaining({ host: 'localhost', address: '127.0.0.1', code: 'media_url_forbidden' }) as unknown,
        msg: 'outbound name refused',
      },
    ])
    // a caller logging the error ({ err }) has the address through its cause
    expect(String((err as Error).cause)).toContain('127.0.0.1 is a loopback address')
  })

  it('still names an IP literal the caller typed', async () => {
    const err = await guardedRequest('http://10.0.0.5/x', { policy: strict, timeoutMs: 2000, maxRedirects: 0 }).catch((e: unknown) => e)
    expect(isAppError(err) && err.message).toBe('The URL is not allowed: 10.0.0.5 is a private address')
  })
})

describe('keep-alive connections per policy', () => {
  it('a connection kept alive under a wide policy is not reused by a narrower one', async () => {
    const opened: net.Socket[] = []
    const server = http.createServer({ keepAliveTimeout: 10_000 }, (_req, res) => res.end('inside'))
    server.on('connection', (s) => opened.push(s))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const url = `http://localhost:${(server.address() as AddressInfo).port}/`
    const wide: OutboundPolicy = { allowedCidrs: ['127.0.0.0/8'], allowHttp: true, forbiddenCode: 'webhook_url_forbidden' }
    const narrow: OutboundPolicy = { allowedCidrs: [], allowHttp: true, forbiddenCode: 'url_forbidden' }
    try {
      for (let i = 0; i < 2; i++) {
        const res = await guardedRequest(url, { policy: wide, timeoutMs: 2000, maxRedirects: 0 })
        expect((await readBody(res.body, 100)).toString()).toBe('inside')
        await new Promise((r) => setImmediate(r)) // the socket goes back to the pool
      }
      expect(opened).toHaveLength(1) // kept alive and reused under the same policy
      expect(await refusal(url, narrow)).toBe('url_forbidden')
      expect(opened).toHaveLength(1)
    } finally {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    }
  })
})
