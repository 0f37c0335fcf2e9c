import type { IncomingMessage } from 'node:http'
import net from 'node:net'
import { inCidrs } from '@/lib/net/outbound'

/**
 * What the gateway believes about a request: who sent it, over which scheme, to which host, and
 * whether the visitor is on this machine. The one place that decides how far proxy headers are
 * trusted — for server.ts (security headers, the stamp below), Socket.IO's handshake and, through the
 * stamp, the route wrapper and the login limiter inside Next.
 *
 * Without TRUST_PROXY every X-Forwarded-* / Forwarded header is a value the client wrote, so none is
 * used. From a trusted proxy (TRUST_PROXY=1: any peer; TRUST_PROXY=<CIDRs>: peers in them) the client
 * address is the RIGHTMOST X-Forwarded-For entry: the one the proxy appended (the address it saw),
 * where everything to its left came from the client.
 */
export type RequestTrust = {
  clientIp: string
  /** TLS on the socket, or `X-Forwarded-Proto: https` from a trusted proxy */
  secure: boolean
  /** the host the browser addressed (Host, or X-Forwarded-Host from a trusted proxy) */
  host: string | null
  /** a loopback visitor addressing a loopback host, with no untrusted proxy in between */
  local: boolean
}

/** Headers server.ts sets on every request it hands to Next (overwriting anything a client sent). */
export const TRUST_HEADERS = {
  clientIp: 'x-gateway-client-ip',
  secure: 'x-gateway-secure',
  host: 'x-gateway-host',
  local: 'x-gateway-local',
} as const

const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-real-ip']

const headerText = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(',') : v)

/** The last comma-separated value of a (possibly repeated) header: what the nearest proxy wrote. */
function rightmost(v: string | string[] | undefined): string | undefined {
  const parts = headerText(v)
    ?.split(',')
    .map((p) => p.trim())
    .filter(Boolean)
  return parts?.[parts.length - 1]
}

/** `::ffff:1.2.3.4` → `1.2.3.4`; `[::1]` → `::1`; null when it is not an IP address. */
export function normalizeIp(value: string | undefined): string | null {
  if (!value) return null
  let ip = value.trim()
  if (ip.startsWith('[') && ip.includes(']')) ip = ip.slice(1, ip.indexOf(']'))
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip)) ip = ip.slice(7)
  return net.isIP(ip) ? ip : null
}

export function isLoopbackIp(ip: string): boolean {
  return ip === '::1' || (net.isIPv4(ip) && ip.startsWith('127.'))
}

function isLoopbackHost(host: string | null): boolean {
  if (!host) return false
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '')
  return name.toLowerCase() === 'localhost' || isLoopbackIp(normalizeIp(name) ?? '')
}

/**
 * Whose forwarding headers are believed (TRUST_PROXY): every peer (`true`: the port is reachable only
 * through the proxy), none (`false`), or only peers whose address is in one of these CIDRs (the
 * proxy's own addresses), so a client that reaches the port directly cannot forge its address.
 */
export type ProxyTrust = boolean | readonly string[]

/** Whether the peer at `socketIp` is a proxy whose forwarding headers count. */
export function isTrustedProxy(trust: ProxyTrust, socketIp: string): boolean {
  return typeof trust === 'boolean' ? trust : inCidrs(socketIp, trust)
}

export function requestTrust(req: IncomingMessage, trustProxy: ProxyTrust): RequestTrust {
  const socketIp = normalizeIp(req.socket.remoteAddress) ?? 'unknown'
  return trustOf(req, socketIp, isTrustedProxy(trustProxy, socketIp))
}

function trustOf(req: IncomingMessage, socketIp: string, viaTrustedProxy: boolean): RequestTrust {
  const forwarded = FORWARDING_HEADERS.some((h) => req.headers[h] !== undefined)
  const tls = 'encrypted' in req.socket && req.socket.encrypted === true
  if (!viaTrustedProxy) {
    const host = req.headers.host ?? null
    return { clientIp: socketIp, secure: tls, host, local: !forwarded && isLoopbackIp(socketIp) && isLoopbackHost(host) }
  }
  const clientIp = normalizeIp(rightmost(req.headers['x-forwarded-for'])) ?? socketIp
  const host = rightmost(req.headers['x-forwarded-host']) ?? req.headers.host ?? null
  const secure = tls || rightmost(req.headers['x-forwarded-proto'])?.toLowerCase() === 'https'
  return { clientIp, secure, host, local: isLoopbackIp(clientIp) && isLoopbackHost(host) }
}

/**
 * Decides trust once in server.ts and hands it to Next as headers: the stamp is overwritten on every
 * request, and proxy headers that are not trusted are removed, so neither Next nor Auth.js builds a
 * URL or picks a cookie name from a value the client wrote.
 */
export function stampRequestTrust(req: IncomingMessage, trustProxy: ProxyTrust): RequestTrust {
  const socketIp = normalizeIp(req.socket.remoteAddress) ?? 'unknown'
  const viaTrustedProxy = isTrustedProxy(trustProxy, socketIp)
  const trust = trustOf(req, socketIp, viaTrustedProxy)
  if (!viaTrustedProxy) for (const h of FORWARDING_HEADERS) Reflect.deleteProperty(req.headers, h)
  req.headers[TRUST_HEADERS.clientIp] = trust.clientIp
  req.headers[TRUST_HEADERS.secure] = trust.secure ? '1' : '0'
  req.headers[TRUST_HEADERS.local] = trust.local ? '1' : '0'
  if (trust.host) req.headers[TRUST_HEADERS.host] = trust.host
  else Reflect.deleteProperty(req.headers, TRUST_HEADERS.host)
  return trust
}

/** Inside Next (route handlers, server actions, Auth.js callbacks): the stamp server.ts set. */
export function trustFromHeaders(headers: Headers): RequestTrust {
  return {
    clientIp: headers.get(TRUST_HEADERS.clientIp) ?? 'unknown',
    secure: headers.get(TRUST_HEADERS.secure) === '1',
    host: headers.get(TRUST_HEADERS.host),
    local: headers.get(TRUST_HEADERS.local) === '1',
  }
}
