import WebSocket from 'ws'
import { type CheckResult, fail, ok } from './types'

/** Baileys' own default (DEFAULT_CONNECTION_CONFIG.waWebSocketUrl), used when WA_WS_URL is unset. */
export const WHATSAPP_WS_URL = 'wss://web.whatsapp.com/ws/chat'
export const PROBE_TIMEOUT_MS = 5000

const HINTS: Record<string, string> = {
  ENOTFOUND: 'the name does not resolve (no DNS, or no internet)',
  EAI_AGAIN: 'the name does not resolve (no DNS, or no internet)',
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  ENETUNREACH: 'the network is unreachable',
  EHOSTUNREACH: 'the host is unreachable',
  ETIMEDOUT: 'the connection timed out',
}

/**
 * Opens a WebSocket to the endpoint the sessions use (DNS, TCP, TLS for wss:, the HTTP upgrade) and
 * closes it at once; the Noise handshake after it is the sessions' business. Fails after
 * PROBE_TIMEOUT_MS whatever the stage, so a machine without a route out answers quickly.
 */
export function checkWhatsApp(url = WHATSAPP_WS_URL, timeoutMs = PROBE_TIMEOUT_MS): Promise<CheckResult> {
  const fix = `the server needs outbound ${url.startsWith('wss:') ? 'HTTPS (TCP 443)' : 'access'} to ${new URL(url).host}: check DNS, firewall and proxy`
  const started = Date.now()
  return new Promise((resolve) => {
    let done = false
    const finish = (r: CheckResult) => {
      if (done) return
      done = true
      clearTimeout(timer)
      ws.removeAllListeners()
      ws.on('error', () => undefined)
      ws.terminate()
      resolve(r)
    }
    const ws = new WebSocket(url, { handshakeTimeout: timeoutMs, origin: 'https://web.whatsapp.com' })
    const timer = setTimeout(() => finish(fail('whatsapp', `${url} did not answer within ${timeoutMs} ms`, fix)), timeoutMs)
    ws.once('open', () => finish(ok('whatsapp', `${url} accepted a WebSocket upgrade in ${Date.now() - started} ms`)))
    ws.once('unexpected-response', (_req, res) =>
      finish(fail('whatsapp', `${url} answered HTTP ${res.statusCode} instead of a WebSocket upgrade`, fix)),
    )
    ws.once('error', (err: NodeJS.ErrnoException) =>
      finish(
        fail(
          'whatsapp',
          `${url} is not reachable: ${(err.code && HINTS[err.code]) ?? err.message}${err.code ? ` (${err.code})` : ''}`,
          fix,
        ),
      ),
    )
  })
}
