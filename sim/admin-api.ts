/**
 * Admin HTTP API on the simulator's port (`/admin/*`): JSON in and out, zod-validated, errors as
 * `{"error":{"code","message","details?"}}`. Thin: every route calls the in-process API.
 */
import { BufferJSON } from '@whiskeysockets/baileys'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import { ContactMediaInput, ContactMessageInput } from './contacts/compose'
import { errorMessage, SimError } from './errors'
import { DISCONNECT_KINDS } from './faults'
import type { Simulator } from './simulator'

const MAX_BODY = 48 * 1024 * 1024

const Schemas = {
  createUser: z.strictObject({ phone: z.string().min(1).max(32), name: z.string().max(100).optional() }),
  scan: z.strictObject({ qr: z.string().min(1).max(4096) }),
  pairingCode: z.strictObject({ code: z.string().min(1).max(32) }),
  provision: z.strictObject({ platform: z.string().max(40).optional() }),
  // `{to, text}` (a plain text, as before) or any kind with its `type`
  message: z.union([
    z
      .strictObject({ to: z.string().min(1).max(32), text: z.string().min(1).max(65_536) })
      .transform((m) => ({ type: 'text' as const, ...m })),
    ContactMessageInput,
    ContactMediaInput,
  ]),
  expireMedia: z.strictObject({ status: z.union([z.literal(404), z.literal(410)]).optional() }),
  receipt: z.strictObject({ type: z.enum(['delivery', 'read', 'played', 'retry']) }),
  ackErrors: z.strictObject({ code: z.number().int().min(400).max(999), count: z.number().int().min(0).max(1_000_000) }),
  receipts: z.strictObject({
    delivery: z.boolean().optional(),
    read: z.boolean().optional(),
    delayMs: z.number().int().min(0).max(60_000).optional(),
  }),
  disconnect: z.strictObject({ kind: z.enum(DISCONNECT_KINDS) }),
  faults: z.strictObject({
    rejectUpgrades: z.union([z.boolean(), z.number().int().min(0).max(1_000_000)]).optional(),
    rejectStatus: z.number().int().min(400).max(599).optional(),
  }),
}

type Ctx = { params: string[]; query: URLSearchParams; body: () => Promise<unknown> }
type Handler = (ctx: Ctx) => Promise<[number, unknown]> | [number, unknown]
type Route = { method: string; pattern: RegExp; handler: Handler }

const parse = <T>(schema: z.ZodType<T>, value: unknown): T => {
  const result = schema.safeParse(value)
  if (!result.success) {
    throw new SimError(
      'invalid_input',
      result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
      result.error.issues,
    )
  }
  return result.data
}

const deviceIdParam = (raw: string | undefined): number => {
  const id = Number(raw)
  if (!Number.isInteger(id) || id < 1) throw new SimError('invalid_input', `device id must be a positive integer, got "${raw}"`)
  return id
}

const readBody = async (req: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY) throw new SimError('payload_too_large', `body larger than ${MAX_BODY} bytes`)
    chunks.push(chunk as Buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8').trim()
  if (!text) return {}
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new SimError('bad_request', 'body is not valid JSON')
  }
}

export const buildRoutes = (sim: Simulator): Route[] => {
  const P = '([^/]+)'
  const r = (method: string, path: string, handler: Handler): Route => ({ method, pattern: new RegExp(`^/admin${path}$`), handler })
  const phone = (ctx: Ctx) => decodeURIComponent(ctx.params[0] ?? '')
  return [
    r('GET', '/health', () => [200, { ok: true, wsUrl: sim.wsUrl, adminUrl: sim.adminUrl, uptimeSeconds: Math.round(process.uptime()) }]),
    r('GET', '/stats', (ctx) => {
      // ?gc=1 runs a full GC first when node was started with --expose-gc (memory benchmarks)
      // (twice: Buffers are released by weak callbacks that run after the first collection)
      if (ctx.query.get('gc') === '1') {
        const gc = (globalThis as { gc?: () => void }).gc
        gc?.()
        gc?.()
      }
      return [200, sim.stats()]
    }),
    r('GET', '/users', () => [200, { users: sim.listUsers() }]),
    r('POST', '/users', async (ctx) => [201, sim.createUser(parse(Schemas.createUser, await ctx.body()))]),
    r('GET', `/users/${P}`, (ctx) => [200, sim.getUser(phone(ctx))]),
    r('POST', `/users/${P}/scan`, async (ctx) => {
      const { qr } = parse(Schemas.scan, await ctx.body())
      return [200, await sim.scan(phone(ctx), qr)]
    }),
    r('POST', `/users/${P}/pairing-code`, async (ctx) => {
      const { code } = parse(Schemas.pairingCode, await ctx.body())
      return [200, await sim.enterPairingCode(phone(ctx), code)]
    }),
    r('GET', '/ca.pem', () => [200, sim.caPem]),
    r('POST', `/users/${P}/messages`, async (ctx) => {
      const input = parse(Schemas.message, await ctx.body())
      if ('base64' in input) {
        const { base64, ...rest } = input
        return [201, await sim.sendMedia(phone(ctx), { ...rest, data: Buffer.from(base64, 'base64') })]
      }
      return [201, await sim.sendMessage(phone(ctx), input)]
    }),
    r('POST', `/users/${P}/sessions/reset`, (ctx) => [200, sim.resetSessions(phone(ctx))]),
    r('POST', `/media/${P}/expire`, async (ctx) => {
      const { status } = parse(Schemas.expireMedia, await ctx.body())
      sim.expireMedia(decodeURIComponent(ctx.params[0] ?? ''), status)
      return [200, { expired: true }]
    }),
    r('POST', `/users/${P}/inbox/${P}/receipt`, async (ctx) => {
      const { type } = parse(Schemas.receipt, await ctx.body())
      return [200, sim.sendReceipt(phone(ctx), decodeURIComponent(ctx.params[1] ?? ''), type)]
    }),
    r('POST', `/users/${P}/ack-errors`, async (ctx) => [
      200,
      { ackErrors: sim.setAckErrors(phone(ctx), parse(Schemas.ackErrors, await ctx.body())) },
    ]),
    r('GET', `/users/${P}/inbox`, (ctx) => [200, { messages: sim.inbox(phone(ctx)) }]),
    r('DELETE', `/users/${P}/inbox`, (ctx) => {
      sim.clearInbox(phone(ctx))
      return [200, { messages: [] }]
    }),
    r('GET', `/users/${P}/sent`, (ctx) => [200, { messages: sim.sent(phone(ctx)) }]),
    r('GET', `/users/${P}/receipts`, (ctx) => [200, sim.getUser(phone(ctx)).receipts]),
    r('POST', `/users/${P}/receipts`, async (ctx) => {
      const body = parse(Schemas.receipts, await ctx.body())
      return [200, sim.setReceipts(phone(ctx), body)]
    }),
    r('GET', `/users/${P}/devices`, (ctx) => [200, { devices: sim.getUser(phone(ctx)).devices }]),
    r('POST', `/users/${P}/devices`, async (ctx) => {
      const body = parse(Schemas.provision, await ctx.body())
      const linked = sim.provisionCompanion(phone(ctx), body)
      // creds as Baileys' BufferJSON (revive with JSON.parse(text, BufferJSON.reviver))
      return [201, { ...linked, creds: JSON.parse(JSON.stringify(linked.creds, BufferJSON.replacer)) as unknown }]
    }),
    r('GET', `/users/${P}/devices/${P}`, (ctx) => [200, sim.getDevice(phone(ctx), deviceIdParam(ctx.params[1]))]),
    r('DELETE', `/users/${P}/devices/${P}`, (ctx) => {
      sim.unlink(phone(ctx), deviceIdParam(ctx.params[1]))
      return [200, { unlinked: true }]
    }),
    r('POST', `/users/${P}/devices/${P}/disconnect`, async (ctx) => {
      const deviceId = deviceIdParam(ctx.params[1])
      const { kind } = parse(Schemas.disconnect, await ctx.body())
      return [200, { kind, ...sim.disconnect(phone(ctx), deviceId, kind) }]
    }),
    r('GET', '/faults', () => [200, sim.getFaults()]),
    r('POST', '/faults', async (ctx) => [200, sim.setFaults(parse(Schemas.faults, await ctx.body()))]),
  ]
}

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  // a string body is sent as it is (the CA certificate); anything else as JSON
  const plain = typeof body === 'string'
  const text = plain ? body : JSON.stringify(body)
  const type = plain ? 'application/x-pem-file' : 'application/json; charset=utf-8'
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

const sendError = (res: ServerResponse, err: SimError, headers?: Record<string, string>): void =>
  send(
    res,
    err.status,
    { error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) } },
    headers,
  )

export const mountAdminApi = (sim: Simulator): void => {
  const routes = buildRoutes(sim)
  sim.setHttpHandler((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sim')
    const path = url.pathname.replace(/\/+$/, '') || '/'
    const method = req.method ?? 'GET'
    const matching = routes.filter((route) => route.pattern.test(path))
    const route = matching.find((m) => m.method === method)
    if (!route) {
      if (matching.length) {
        const allow = [...new Set(matching.map((m) => m.method))].join(', ')
        sendError(res, new SimError('method_not_allowed', `${method} not allowed on ${path}; allowed: ${allow}`), { allow })
        return
      }
      sendError(res, new SimError('not_found', `no route ${method} ${path}`))
      return
    }
    const params = route.pattern.exec(path)?.slice(1) ?? []
    Promise.resolve()
      .then(() => route.handler({ params, query: url.searchParams, body: () => readBody(req) }))
      .then(([status, body]) => send(res, status, body))
      .catch((err: unknown) => {
        if (err instanceof SimError) {
          sendError(res, err)
          return
        }
        sim.log.error({ err: errorMessage(err), path }, 'admin API error')
        sendError(res, new SimError('internal', errorMessage(err)))
      })
  })
}
