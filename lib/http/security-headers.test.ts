import type { IncomingMessage, ServerResponse } from 'node:http'
import { describe, expect, it } from 'vitest'
import { applySecurityHeaders, cspFor } from './security-headers'

function headersFor(req: { encrypted?: boolean; proto?: string }, opts: { dev: boolean; trustProxy: boolean }) {
  const set = new Map<string, string>()
  const res = { setHeader: (k: string, v: string) => set.set(k.toLowerCase(), v) } as unknown as ServerResponse
  const incoming = {
    socket: req.encrypted ? { encrypted: true, remoteAddress: '127.0.0.1' } : { remoteAddress: '127.0.0.1' },
    headers: req.proto ? { 'x-forwarded-proto': req.proto } : {},
  } as unknown as IncomingMessage
  applySecurityHeaders(incoming, res, opts)
  return set
}

describe('security headers', () => {
  it('sets CSP without framing, nosniff and a referrer policy; no eval outside development', () => {
    const h = headersFor({}, { dev: false, trustProxy: false })
    expect(h.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(h.get('content-security-policy')).not.toContain('unsafe-eval')
    expect(h.get('x-content-type-options')).toBe('nosniff')
    expect(h.get('referrer-policy')).toBe('strict-origin-when-cross-origin')
    expect(h.has('strict-transport-security')).toBe(false)
  })

  it('adds HSTS over TLS, or behind a trusted proxy that says https (never on a forged header)', () => {
    expect(headersFor({ encrypted: true }, { dev: false, trustProxy: false }).has('strict-transport-security')).toBe(true)
    expect(headersFor({ proto: 'https' }, { dev: false, trustProxy: true }).has('strict-transport-security')).toBe(true)
    expect(headersFor({ proto: 'https' }, { dev: false, trustProxy: false }).has('strict-transport-security')).toBe(false)
  })
})

describe('the media route', () => {
  it('is sandboxed (served media never runs script or reaches the dashboard), other routes are not', () => {
    expect(cspFor('/api/v1/accounts/shop/messages/msg_1/media', false)).toMatch(/^sandbox; /)
    expect(cspFor('/api/v1/accounts/shop/messages/msg_1', false)).not.toContain('sandbox')
    expect(cspFor('/accounts/shop', false)).not.toContain('sandbox')
  })
})
