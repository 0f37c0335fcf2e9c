import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { requestTrust, stampRequestTrust, TRUST_HEADERS, trustFromHeaders } from './request-trust'

function request(headers: Record<string, string | string[]>, remoteAddress = '10.0.0.5', encrypted = false): IncomingMessage {
  return { headers: { ...headers }, socket: { remoteAddress, ...(encrypted ? { encrypted } : {}) } } as unknown as IncomingMessage
}

describe('request trust', () => {
  it('without TRUST_PROXY: the socket address, Host and TLS only; forwarded headers are ignored', () => {
    const req = request({
      host: 'gw.example:3000',
      'x-forwarded-for': '1.2.3.4',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'https',
    })
    expect(requestTrust(req, false)).toEqual({ clientIp: '10.0.0.5', secure: false, host: 'gw.example:3000', local: false })
  })

  it('with TRUST_PROXY: the rightmost X-Forwarded-For entry (what the proxy added), never the client-written left', () => {
    // The client sent "X-Forwarded-For: 127.0.0.1"; the proxy appended the address it saw.
    const req = request({ host: 'gw', 'x-forwarded-for': '127.0.0.1, 203.0.113.9' }, '10.0.0.2')
    expect(requestTrust(req, true).clientIp).toBe('203.0.113.9')
    // Repeated headers count as one list; the last one is the proxy's.
    expect(requestTrust(request({ 'x-forwarded-for': ['6.6.6.6', '198.51.100.1'] }), true).clientIp).toBe('198.51.100.1')
    expect(requestTrust(request({ 'x-forwarded-for': '6.6.6.6, ::ffff:198.51.100.2' }), true).clientIp).toBe('198.51.100.2')
    // Garbage from the proxy side falls back to the socket address rather than trusting text.
    expect(requestTrust(request({ 'x-forwarded-for': '1.1.1.1, not-an-ip' }, '10.0.0.2'), true).clientIp).toBe('10.0.0.2')
    expect(requestTrust(request({}, '::ffff:10.0.0.3'), true).clientIp).toBe('10.0.0.3')
  })

  it('with TRUST_PROXY as a list of proxy addresses: only those peers are believed; anyone else is judged by the socket', () => {
    const proxies = ['127.0.0.3/32', '10.0.0.0/24']
    const forged = { host: 'gw', 'x-forwarded-for': '203.0.113.66', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' }
    // the proxy (in the list): what it appended counts
    expect(requestTrust(request(forged, '127.0.0.3'), proxies)).toMatchObject({
      clientIp: '203.0.113.66',
      secure: true,
      host: 'evil.example',
    })
    expect(requestTrust(request(forged, '::ffff:10.0.0.9'), proxies).clientIp).toBe('203.0.113.66')
    // a client reaching the port directly, forging the same headers: not believed, and they are removed
    const direct = request(forged, '127.0.0.1')
    expect(stampRequestTrust(direct, proxies)).toEqual({ clientIp: '127.0.0.1', secure: false, host: 'gw', local: false })
    expect(direct.headers['x-forwarded-for']).toBeUndefined()
    expect(direct.headers['x-forwarded-host']).toBeUndefined()
    // the proxy's own request keeps them
    const viaProxy = request(forged, '127.0.0.3')
    stampRequestTrust(viaProxy, proxies)
    expect(viaProxy.headers['x-forwarded-for']).toBe('203.0.113.66')
  })

  it('honours X-Forwarded-Host and X-Forwarded-Proto only with TRUST_PROXY', () => {
    const headers = { host: 'internal:3000', 'x-forwarded-host': 'gw.example', 'x-forwarded-proto': 'https' }
    expect(requestTrust(request(headers), true)).toMatchObject({ host: 'gw.example', secure: true })
    expect(requestTrust(request(headers), false)).toMatchObject({ host: 'internal:3000', secure: false })
    expect(requestTrust(request({ host: 'gw' }, '10.0.0.1', true), false).secure).toBe(true)
  })

  it('a local visitor: loopback address and Host, and no proxy it does not trust', () => {
    expect(requestTrust(request({ host: '127.0.0.1:3000' }, '127.0.0.1'), false).local).toBe(true)
    expect(requestTrust(request({ host: 'localhost:3000' }, '::1'), false).local).toBe(true)
    expect(requestTrust(request({ host: '[::1]:3000' }, '::ffff:127.0.0.1'), false).local).toBe(true)
    // A reverse proxy on the same machine makes every visitor look like loopback: its headers give it away.
    expect(requestTrust(request({ host: '127.0.0.1:3000', 'x-forwarded-for': '203.0.113.7' }, '127.0.0.1'), false).local).toBe(false)
    expect(requestTrust(request({ host: 'gw.example' }, '127.0.0.1'), false).local).toBe(false)
    expect(requestTrust(request({ host: '127.0.0.1' }, '10.0.0.9'), false).local).toBe(false)
    // Behind a trusted proxy, the address the proxy saw decides.
    expect(requestTrust(request({ host: 'localhost', 'x-forwarded-for': '127.0.0.1' }, '127.0.0.1'), true).local).toBe(true)
    expect(requestTrust(request({ host: 'localhost', 'x-forwarded-for': '127.0.0.1, 203.0.113.7' }, '127.0.0.1'), true).local).toBe(false)
  })

  it('the stamp overwrites what a client sent and strips untrusted proxy headers before Next sees them', () => {
    const req = request(
      {
        host: 'gw.example',
        [TRUST_HEADERS.clientIp]: '127.0.0.1',
        [TRUST_HEADERS.local]: '1',
        [TRUST_HEADERS.secure]: '1',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'https',
        forwarded: 'for=127.0.0.1',
      },
      '203.0.113.50',
    )
    stampRequestTrust(req, false)
    expect(req.headers['x-forwarded-host']).toBeUndefined()
    expect(req.headers['x-forwarded-proto']).toBeUndefined()
    expect(req.headers.forwarded).toBeUndefined()
    const headers = new Headers(req.headers as Record<string, string>)
    expect(trustFromHeaders(headers)).toEqual({ clientIp: '203.0.113.50', secure: false, host: 'gw.example', local: false })
  })
})
