import type { z } from 'zod'
import { AppError, isAppError } from '@/lib/errors'
import { trustFromHeaders } from '@/lib/http/request-trust'
import { getRuntime, type Runtime } from '@/lib/runtime'
import { readJsonBody } from './body'
import type { RateDecision } from './limits'
import { DEFAULT_MAX_BODY_BYTES, type In, type Operation, type OperationAuth, type Out } from './operation'
import { assertAccount, assertScope, authenticate, type Principal, requestIdOf } from './principal'

/**
 * The one wrapper every API route goes through. For the operation a route declares, in this order:
 * per-address rate limit → authentication (API key or operator session, with the Origin check on
 * cookie mutations; failed attempts counted per address, and past the limit a failing credential
 * answers 429 instead of 401, while a valid one still passes) → per-key rate limit → path parameters →
 * the account check (an account key sees only its own account) → the declared scope → query and
 * body (streamed, capped, validated) → the handler → the audit row of a successful write → the
 * error envelope {"error": {code, message, details}} for anything that went wrong.
 */
export type RouteContext<A extends OperationAuth = OperationAuth> = {
  rt: Runtime
  principal: A extends 'public' ? null : Principal
  requestId: string
  ip: string
}

type Schema = z.ZodType
type NextRouteContext = { params: Promise<Record<string, string | string[] | undefined>> }
export type NextHandler = (req: Request, context: NextRouteContext) => Promise<Response>
export type RouteHandler = NextHandler & { operation: Operation }

// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a 204 handler returns nothing
type Reply<R> = Response | (R extends z.ZodType ? In<R> : undefined | null | void)

export function json(data: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(data, { status, headers: { 'cache-control': 'no-store', ...headers } })
}

export function errorResponse(err: AppError, requestId: string, extra: Record<string, string> = {}): Response {
  const headers: Record<string, string> = { 'x-request-id': requestId, ...extra, ...err.headers }
  if (err.retryAfter !== undefined) headers['retry-after'] = String(err.retryAfter)
  return json(err.toJSON(), err.status, headers)
}

function parseWith<S extends Schema>(schema: S, value: unknown, where: string): z.output<S> {
  const res = schema.safeParse(value)
  if (res.success) return res.data
  throw new AppError(
    'validation_failed',
    `Invalid ${where}: ${res.error.issues.map((i) => `${i.path.join('.') || where} ${i.message}`).join('; ')}`,
    { details: res.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
  )
}

/** Query parameters as an object; a repeated name keeps its last value. */
function queryOf(url: URL): Record<string, string> {
  return Object.fromEntries(url.searchParams)
}

/** IETF RateLimit header fields for the tighter of the limits that applied. */
function rateHeaders(d: RateDecision): Record<string, string> {
  return {
    'ratelimit-limit': String(d.limit),
    'ratelimit-remaining': String(d.remaining),
    'ratelimit-reset': String(d.resetSeconds),
    'ratelimit-policy': `${d.limit};w=${d.windowSeconds}`,
  }
}

function tooMany(d: RateDecision, what: string): AppError {
  return new AppError(
    'rate_limited',
    `Too many requests ${what}: at most ${d.limit} per ${d.windowSeconds} s. Retry in ${d.resetSeconds} s.`,
    {
      retryAfter: d.resetSeconds,
    },
  )
}

const REFUSALS = new Set([401, 403, 404, 429])

export function route<
  A extends OperationAuth,
  P extends Schema | undefined,
  Q extends Schema | undefined,
  B extends Schema | undefined,
  R extends Schema | undefined,
>(
  op: Operation<A, P, Q, B, R>,
  handler: (args: { req: Request; params: Out<P>; query: Out<Q>; body: Out<B>; ctx: RouteContext<A> }) => Promise<Reply<R>> | Reply<R>,
): RouteHandler {
  const run: NextHandler = async (req, context) => {
    const requestId = requestIdOf(req)
    const ip = trustFromHeaders(req.headers).clientIp
    let rt: Runtime | undefined
    let limitHeaders: Record<string, string> = {}
    let principal: Principal | null = null
    try {
      rt = getRuntime()
      const byAddress = await rt.apiLimits.perAddress.consume(ip)
      limitHeaders = rateHeaders(byAddress)
      if (!byAddress.allowed) throw tooMany(byAddress, 'from your address')

      if (op.auth !== 'public') {
        // The credential is checked first (a key is one SHA-256 and an indexed lookup), and only a
        // credential that fails is counted and throttled: many clients behind one proxy share an
        // address, and someone else's bad tokens must not lock their valid keys out.
        const outcome = await authenticate(req, rt)
        if (!outcome.principal) {
          if (outcome.failed) {
            const failures = await rt.apiLimits.authFailures.consume(ip)
            if (!failures.allowed)
              throw new AppError(
                'rate_limited',
                `Too many failed authentications from your address. Retry in ${failures.resetSeconds} s.`,
                {
                  retryAfter: failures.resetSeconds,
                },
              )
          }
          throw new AppError('unauthorized', outcome.message)
        }
        principal = outcome.principal
        const byKey = await rt.apiLimits.perKey.consume(principal.id)
        if (byKey.remaining <= byAddress.remaining) limitHeaders = rateHeaders(byKey)
        if (!byKey.allowed) throw tooMany(byKey, principal.kind === 'operator' ? 'for your session' : 'for this API key')
      }

      const params = (op.params ? parseWith(op.params, await context.params, 'path parameter') : undefined) as Out<P>
      if (principal) assertAccount(principal, params)
      if (principal && op.auth !== 'public') assertScope(principal, op.auth.scope)
      const query = (op.query ? parseWith(op.query, queryOf(new URL(req.url)), 'query') : undefined) as Out<Q>
      if (principal) assertAccount(principal, query)
      if (op.headers) parseWith(op.headers, Object.fromEntries(req.headers), 'header')
      const rawBody = op.body ? await readJsonBody(req, op.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES) : undefined
      const body = (op.body ? parseWith(op.body, rawBody, 'body') : undefined) as Out<B>
      if (principal) assertAccount(principal, body)

      const ctx = { rt, principal, requestId, ip } as RouteContext<A>
      const reply = await handler({ req, params, query, body, ctx })
      const res =
        reply instanceof Response ? reply : op.success.status === 204 ? new Response(null, { status: 204 }) : json(reply, op.success.status)
      if (op.audit && !('skip' in op.audit) && principal && res.ok) {
        const result = reply instanceof Response ? undefined : (reply as In<R>)
        const a = { params, body, result }
        const audit = op.audit
        const target = audit.target ? audit.target(a) : defaultTarget(params)
        try {
          rt.audit.record({
            actor: principal.label,
            actorId: principal.id,
            action: audit.action,
            target: target ?? undefined,
            ip,
            requestId,
            details: audit.details?.(a),
          })
        } catch (err) {
          // The change is made: answer it, and say loudly that its audit row is missing.
          rt.logger.error({ err, requestId, action: audit.action, actor: principal.id }, 'audit row not written')
        }
      }
      res.headers.set('x-request-id', requestId)
      for (const [k, v] of Object.entries(limitHeaders)) res.headers.set(k, v)
      return res
    } catch (err) {
      if (isAppError(err)) {
        if (REFUSALS.has(err.status))
          rt?.logger.info(
            { requestId, ip, actor: principal?.id, code: err.code, method: req.method, path: new URL(req.url).pathname },
            'api request refused',
          )
        return errorResponse(err, requestId, limitHeaders)
      }
      rt?.logger.error({ err, requestId, method: req.method, path: new URL(req.url).pathname }, 'unhandled error in route')
      return errorResponse(
        new AppError('internal', `Something went wrong on our side. Quote request id ${requestId} when reporting it.`),
        requestId,
      )
    }
  }
  return Object.assign(run, { operation: op })
}

function defaultTarget(params: unknown): string | undefined {
  if (typeof params !== 'object' || params === null) return undefined
  const p = params as Record<string, unknown>
  const v = p.accountId ?? p.id
  return typeof v === 'string' ? v : undefined
}

/** Methods Next dispatches to a route file; the ones a file does not serve answer 405 with Allow. */
export const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const
type RouteMethod = (typeof ROUTE_METHODS)[number]

/**
 * A route file's exports: its operations by method, and for every other method a 405 in the error
 * envelope with the Allow header (Next's own 405 has no body and no Allow). OPTIONS answers 204
 * with Allow; HEAD is GET without a body.
 */
export function endpoint(...routes: RouteHandler[]): Record<RouteMethod, NextHandler> {
  const served = new Map<string, NextHandler>(routes.map((r) => [r.operation.method, r]))
  const get = routes.find((r) => r.operation.method === 'GET')
  if (get && !get.operation.noHead) served.set('HEAD', get)
  const allow = [...served.keys(), 'OPTIONS'].sort().join(', ')
  const fallback = (method: RouteMethod): NextHandler => {
    if (method === 'OPTIONS') return async () => new Response(null, { status: 204, headers: { allow } })
    return async (req) =>
      errorResponse(
        new AppError('method_not_allowed', `${req.method} is not allowed here; this path accepts ${allow}.`, { headers: { allow } }),
        requestIdOf(req),
      )
  }
  return Object.fromEntries(ROUTE_METHODS.map((m) => [m, served.get(m) ?? fallback(m)])) as Record<RouteMethod, NextHandler>
}

/** Every method of the catch-all under /api/v1: no such route. */
export function notFoundEndpoint(): Record<RouteMethod, NextHandler> {
  const handler: NextHandler = async (req) =>
    errorResponse(
      new AppError('not_found', `There is no API route ${req.method} ${new URL(req.url).pathname}. See /api/v1/openapi.json.`),
      requestIdOf(req),
    )
  return Object.fromEntries(ROUTE_METHODS.map((m) => [m, handler])) as Record<RouteMethod, NextHandler>
}
