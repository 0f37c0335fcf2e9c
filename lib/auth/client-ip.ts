import type { IncomingMessage } from 'node:http'

/**
 * server.ts stamps every request with the client's address under this header (overwriting whatever
 * the client sent), so code running inside Next, which cannot see the socket, knows who is calling.
 */
export const CLIENT_IP_HEADER = 'x-gateway-client-ip'

export function clientIpOf(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const fwd = req.headers['x-forwarded-for']
    const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim()
    if (first) return first
  }
  return req.socket.remoteAddress ?? 'unknown'
}

export function clientIpFromHeaders(headers: Headers): string {
  return headers.get(CLIENT_IP_HEADER) ?? 'unknown'
}
