import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import https from 'node:https'
import type { LookupFunction } from 'node:net'
import { Transform, type Readable } from 'node:stream'
import ipaddr from 'ipaddr.js'
import { AppError, type ErrorCode } from '@/lib/errors'

/**
 * The one way the gateway opens an HTTP connection to an address a user gave it (media links, webhook
 * targets, link previews). The policy is ours; the address arithmetic is ipaddr.js.
 *
 * - Only https (http when the policy allows it).
 * - The host must be public unicast: loopback, private, link-local (cloud metadata), CGNAT, ULA,
 *   unspecified, multicast, reserved and the IPv6 forms that embed an IPv4 address (mapped, 6to4,
 *   Teredo, NAT64) are refused unless an allowed CIDR covers them.
 * - IP literals are checked after WHATWG URL parsing, which already turns `0x7f.1`, `2130706433` and
 *   `017700000001` into `127.0.0.1`.
 * - Names are checked inside the socket's `lookup`: the address the socket connects to is the address
 *   that was checked (no DNS rebinding between check and connect), and a refused name never gets a
 *   connection. A name with any refused answer is refused as a whole.
 * - Every redirect hop goes through the same checks.
 * - Kept-alive connections are pooled per policy object: a socket opened under a wider policy (webhooks
 *   with WEBHOOK_ALLOWED_CIDRS) is never handed to a request under a narrower one (link previews), whose
 *   check runs only when a connection is opened. Build a policy once and keep it.
 * - A refusal names what the caller typed (the URL, its host, an IP literal) but never what a name
 *   resolved to: that address is the gateway's view of its own network. It goes to the log instead.
 */
export type OutboundPolicy = {
  /** CIDRs that are allowed even though they are not public ('127.0.0.0/8', '::1/128'); see parseCidrs */
  allowedCidrs: readonly string[]
  allowHttp: boolean
  /** the AppError code a refusal answers with, e.g. 'media_url_forbidden' */
  forbiddenCode: ErrorCode
}

export type GuardedRequestOptions = {
  policy: OutboundPolicy
  method?: 'GET' | 'POST' | 'HEAD'
  headers?: Record<string, string>
  body?: string | Buffer
  /** the whole exchange: connect, headers and the body stream; past it the stream fails with upstream_timeout */
  timeoutMs: number
  /** 0: a redirect is returned as it is (webhooks); n > 0: up to n hops are followed, each re-checked */
  maxRedirects: number
  /** the body stream fails with payload_too_large past this many bytes (checked against Content-Length first) */
  maxBytes?: number
  signal?: AbortSignal
  /** where a refused name is logged together with the address it resolved to (the error leaves it out) */
  log?: { warn: (obj: Record<string, unknown>, msg: string) => void }
}

export type GuardedResponse = {
  status: number
  headers: IncomingHttpHeaders
  /** the URL that answered (after redirects) */
  url: URL
  /** destroy() it when not reading it */
  body: Readable
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number]

/** Parses a comma-separated CIDR list (an env setting); a bare address is taken as a /32 or /128. */
export function parseCidrs(value: string | undefined): string[] {
  if (!value) return []
  const out: string[] = []
  for (const raw of value.split(',')) {
    const item = raw.trim()
    if (!item) continue
    if (ipaddr.isValidCIDR(item)) out.push(item)
    else if (ipaddr.isValid(item)) out.push(`${item}/${ipaddr.parse(item).kind() === 'ipv4' ? 32 : 128}`)
    else throw new Error(`"${item}" is not an IP address or CIDR range`)
  }
  return out
}

const cidrCache = new Map<string, Cidr>()
function toCidr(text: string): Cidr {
  let c = cidrCache.get(text)
  if (!c) {
    c = ipaddr.parseCIDR(text)
    cidrCache.set(text, c)
  }
  return c
}

function matchesAny(ip: ipaddr.IPv4 | ipaddr.IPv6, cidrs: readonly string[]): boolean {
  return cidrs.some((text) => {
    const [range, bits] = toCidr(text)
    return range.kind() === ip.kind() && ip.match(range, bits)
  })
}

/** Whether an address (IPv4-mapped IPv6 judged as IPv4) lies in one of the CIDRs (parseCidrs' form). */
export function inCidrs(address: string, cidrs: readonly string[]): boolean {
  return ipaddr.isValid(address) && matchesAny(ipaddr.process(address), cidrs)
}

/**
 * Why an address is refused under a policy, or null when it may be connected to. The address is
 * normalised first (IPv4-mapped IPv6 becomes IPv4), so `::ffff:127.0.0.1` is judged as `127.0.0.1`.
 */
export function addressRefusal(address: string, allowedCidrs: readonly string[]): string | null {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`
  const ip = ipaddr.process(address)
  if (matchesAny(ip, allowedCidrs)) return null
  const range = ip.range()
  return range === 'unicast' ? null : `${ip.toString()} is a ${range} address`
}

function refuse(policy: OutboundPolicy, why: string, cause?: Error): AppError {
  return new AppError(policy.forbiddenCode, `The URL is not allowed: ${why}`, { cause })
}

/** Checks scheme and literal host; returns the URL parsed. Throws the policy's refusal. */
export function checkUrl(input: string | URL, policy: OutboundPolicy): URL {
  let url: URL
  try {
    url = new URL(input)
  } catch {
    throw refuse(policy, 'it is not a valid absolute URL')
  }
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) {
    throw refuse(policy, policy.allowHttp ? 'only http and https URLs are fetched' : 'only https URLs are fetched')
  }
  if (url.username || url.password) throw refuse(policy, 'credentials in the URL are not accepted')
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  if (!host) throw refuse(policy, 'it has no host')
  if (ipaddr.isValid(host)) {
    const why = addressRefusal(host, policy.allowedCidrs)
    if (why) throw refuse(policy, why)
  }
  return url
}

function guardedLookup(policy: OutboundPolicy, log: GuardedRequestOptions['log']): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) {
        callback(new AppError('upstream_failed', `Could not resolve ${hostname}: ${err.code ?? err.message}`), '', 4)
        return
      }
      for (const a of addresses) {
        const why = addressRefusal(a.address, policy.allowedCidrs)
        if (why) {
          // Neither the address nor its range reaches the caller: either would let anyone who can name
          // a URL map the gateway's internal DNS (which names are loopback, private, link-local).
          log?.warn({ host: hostname, address: a.address, reason: why, code: policy.forbiddenCode }, 'outbound name refused')
          // the cause keeps the address for a caller that logs the error ({ err }); toJSON leaves it out
          const cause = new Error(`${hostname} resolves to ${why}`)
          callback(refuse(policy, `${hostname} resolves to an address that is not allowed`, cause), '', 4)
          return
        }
      }
      if (addresses.length === 0) {
        callback(new AppError('upstream_failed', `${hostname} has no address`), '', 4)
        return
      }
      if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses)
      else {
        const first = addresses[0]
        if (first) callback(null, first.address, first.family)
      }
    })
  }
}

type Agents = { 'http:': http.Agent; 'https:': https.Agent }

/**
 * Keep-alive agents by policy object. An agent reuses a free socket for the same host and port
 * without a new lookup, so the address check would not run again: sharing one agent between
 * policies would let a narrow request ride a connection a wide policy opened. Keyed by identity rather
 * than by the policy's fields, so a field added to the policy later cannot be forgotten in a key; two
 * equal policies built apart cost a handshake, never reach. A WeakMap lets a dropped policy's agents go.
 */
const agentsByPolicy = new WeakMap<OutboundPolicy, Agents>()

function agentsFor(policy: OutboundPolicy): Agents {
  let agents = agentsByPolicy.get(policy)
  if (!agents) {
    agents = {
      'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
      'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
    }
    agentsByPolicy.set(policy, agents)
  }
  return agents
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])

function sizeCap(max: number): Transform {
  let seen = 0
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length
      if (seen > max) done(new AppError('payload_too_large', `The response is larger than ${max} bytes`))
      else done(null, chunk)
    },
  })
}

function once(
  url: URL,
  opts: GuardedRequestOptions,
  method: string,
  body: string | Buffer | undefined,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http
    const headers: Record<string, string> = { ...opts.headers }
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body))
    const req = mod.request(url, {
      method,
      headers,
      agent: agentsFor(opts.policy)[url.protocol as 'http:' | 'https:'],
      lookup: guardedLookup(opts.policy, opts.log),
      signal,
    })
    req.once('response', resolve)
    req.once('error', (err) => {
      reject(toUpstreamError(err, signal))
    })
    req.end(body)
  })
}

function toUpstreamError(err: unknown, signal: AbortSignal): AppError {
  if (err instanceof AppError) return err
  const reason: unknown = signal.reason
  if (signal.aborted && reason instanceof AppError) return reason
  const e = err as NodeJS.ErrnoException
  return new AppError('upstream_failed', `The request failed: ${e.code ?? e.message}`, { cause: err })
}

/**
 * Sends one request under the policy. Resolves with the status and a body stream once headers arrive
 * (after following redirects when asked); rejects with the policy's refusal, upstream_timeout or
 * upstream_failed. The timeout also covers reading the body.
 */
export async function guardedRequest(input: string | URL, opts: GuardedRequestOptions): Promise<GuardedResponse> {
  const controller = new AbortController()
  const timer = setTimeout(() => {
    controller.abort(new AppError('upstream_timeout', `No complete answer within ${opts.timeoutMs} ms`))
  }, opts.timeoutMs)
  timer.unref()
  const onOuterAbort = () => {
    controller.abort(opts.signal?.reason)
  }
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true })
  const cleanup = () => {
    clearTimeout(timer)
    opts.signal?.removeEventListener('abort', onOuterAbort)
  }

  try {
    let url = checkUrl(input, opts.policy)
    let method: string = opts.method ?? 'GET'
    let body = opts.body
    for (let hop = 0; ; hop++) {
      const res = await once(url, opts, method, body, controller.signal)
      const status = res.statusCode ?? 0
      const location = res.headers.location
      if (opts.maxRedirects > 0 && REDIRECTS.has(status) && location) {
        res.resume()
        if (hop >= opts.maxRedirects) throw new AppError('upstream_failed', `More than ${opts.maxRedirects} redirects`)
        url = checkUrl(new URL(location, url), opts.policy)
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          method = 'GET'
          body = undefined
        }
        continue
      }
      const declared = Number(res.headers['content-length'])
      if (opts.maxBytes !== undefined && Number.isFinite(declared) && declared > opts.maxBytes) {
        res.destroy()
        throw new AppError('payload_too_large', `The response is ${declared} bytes, more than the ${opts.maxBytes} allowed`)
      }
      let stream: Readable = res
      if (opts.maxBytes !== undefined) {
        const cap = sizeCap(opts.maxBytes)
        res.on('error', (err) => cap.destroy(toUpstreamError(err, controller.signal)))
        cap.on('error', () => res.destroy())
        stream = res.pipe(cap)
      } else {
        res.on('error', () => undefined)
      }
      // the deadline keeps running while the caller reads; a stalled body fails the stream
      const onAbort = () => {
        stream.destroy(toUpstreamError(controller.signal.reason, controller.signal))
      }
      controller.signal.addEventListener('abort', onAbort, { once: true })
      stream.once('close', () => {
        controller.signal.removeEventListener('abort', onAbort)
        cleanup()
      })
      return { status, headers: res.headers, url, body: stream }
    }
  } catch (err) {
    cleanup()
    throw toUpstreamError(err, controller.signal)
  }
}

/** Reads a guarded body to a Buffer (for small answers: previews, webhook answers). */
export async function readBody(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    const buf = chunk as Buffer
    if (size + buf.length > limit) {
      chunks.push(buf.subarray(0, limit - size))
      size = limit
      body.destroy()
      break
    }
    chunks.push(buf)
    size += buf.length
  }
  return Buffer.concat(chunks, size)
}
