import type { IncomingMessage, ServerResponse } from 'node:http'
import { type ProxyTrust, requestTrust } from './request-trust'

/**
 * Security headers for every response the gateway sends (pages, API, Socket.IO). Next's hydration
 * relies on inline scripts, so script-src allows 'unsafe-inline'; everything else is same-origin
 * only, and nothing may frame the dashboard.
 */
export function buildCsp(dev: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self' ws: wss:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** The route that serves media bytes (API downloads and the dashboard's thumbnails and links). */
const MEDIA_ROUTE = /^\/api\/v1\/accounts\/[^/]+\/messages\/[^/]+\/media\/?$/

/**
 * The policy of a response: media bytes a WhatsApp contact chose are rendered, if at all, in a
 * sandbox (an opaque origin: no script, no forms, no access to the dashboard's cookies or API).
 * Set here because a header set on the Node response before Next runs is the one that is sent.
 */
export function cspFor(path: string, dev: boolean): string {
  return MEDIA_ROUTE.test(path) ? `sandbox; ${buildCsp(dev)}` : buildCsp(dev)
}

export function applySecurityHeaders(req: IncomingMessage, res: ServerResponse, opts: { dev: boolean; trustProxy: ProxyTrust }): void {
  res.setHeader('Content-Security-Policy', cspFor((req.url ?? '/').split('?')[0] ?? '/', opts.dev))
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('X-Frame-Options', 'DENY')
  res.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin')
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()')
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
  if (requestTrust(req, opts.trustProxy).secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains')
}
