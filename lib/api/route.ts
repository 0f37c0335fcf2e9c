import crypto from 'node:crypto'
import { getToken } from 'next-auth/jwt'
import { z } from 'zod'
import { operatorFromClaims } from '@/lib/auth/session'
import type { OperatorView } from '@/lib/db/operators'
import { AppError, isAppError } from '@/lib/errors'
import { trustFromHeaders } from '@/lib/http/request-trust'
import { getRuntime, type Runtime } from '@/lib/runtime'

/**
 * The one wrapper every route handler uses: authentication (operator session cookie with an Origin
 * check on mutations, or `Authorization: Bearer <GATEWAY_API_KEY>`), authorisation, zod parsing of
 * params/query/body, and error mapping to {"error": {code, message, details}}.
 */
export type AuthMode = 'public' | 'viewer' | 'admin'

export type Actor = { kind: 'operator'; operator: OperatorView; label: string } | { kind: 'api_key'; keyName: 'gateway'; label: string }

export type RouteContext = { rt: Runtime; actor: Actor | null; requestId: string }

type Schema = z.ZodType
type Out<S> = S extends z.ZodType ? z.output<S> : undefined

export type RouteOptions<P, Q, B> = { auth: AuthMode; params?: P; query?: Q; body?: B; maxBodyBytes?: number }

type NextRouteContext = { params: Promise<Record<string, string | string[] | undefined>> }

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export function json(data: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(data, { status, headers: { 'cache-control': 'no-store', ...headers } })
}

export function errorResponse(err: AppError, requestId: string): Response {
  const headers: Record<string, string> = { 'x-request-id': requestId }
  if (err.retryAfter !== undefined) headers['retry-after'] = String(err.retryAfter)
  return json(err.toJSON(), err.status, headers)
}

function timingSafeEqualStr(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest()
  const hb = crypto.createHash('sha256').update(b).digest()
  return crypto.timingSafeEqual(ha, hb)
}

/** Same-origin check for cookie-authenticated mutations (CSRF defence beside SameSite=Lax). */
function assertSameOrigin(req: Request): void {
  const origin = req.headers.get('origin')
  const { host } = trustFromHeaders(req.headers)
  if (!origin || !host) throw new AppError('forbidden', 'Cross-origin request refused: the Origin header is missing.')
  let originHost: string
  try {
    originHost = new URL(origin).host
  } catch {
    throw new AppError('forbidden', 'Cross-origin request refused: the Origin header is invalid.')
  }
  if (originHost !== host) throw new AppError('forbidden', 'Cross-origin request refused.')
}

async function authenticate(req: Request, rt: Runtime): Promise<Actor | null> {
  const authz = req.headers.get('authorization')
  if (authz) {
    const m = /^Bearer\s+(.+)$/i.exec(authz.trim())
    const key = m?.[1]?.trim()
    if (!key) throw new AppError('unauthorized', 'The Authorization header must be "Bearer <api key>".')
    if (rt.env.gatewayApiKey && timingSafeEqualStr(key, rt.env.gatewayApiKey))
      return { kind: 'api_key', keyName: 'gateway', label: 'api-key:gateway' }
    throw new AppError('unauthorized', 'The API key is not valid.')
  }
  const token = await getToken({ req, secret: rt.env.authSecret, secureCookie: trustFromHeaders(req.headers).secure })
  const operator = operatorFromClaims(rt.db, token)
  if (!operator) return null
  if (MUTATING.has(req.method)) assertSameOrigin(req)
  return { kind: 'operator', operator, label: operator.email }
}

function authorize(mode: AuthMode, actor: Actor | null): void {
  if (mode === 'public') return
  if (!actor) throw new AppError('unauthorized', 'Sign in or send an API key (Authorization: Bearer <key>).')
  if (mode === 'admin' && actor.kind === 'operator' && actor.operator.role !== 'admin') {
    throw new AppError('forbidden', 'Your role (viewer) can see but not change anything.')
  }
}

function parseWith<S extends Schema>(schema: S, value: unknown, where: string): z.output<S> {
  const res = schema.safeParse(value)
  if (res.success) return res.data
  throw new AppError(
    'validation_failed',
    `Invalid ${where}: ${res.error.issues.map((i) => `${i.path.join('.') || where} ${i.message}`).join('; ')}`,
    {
      details: res.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    },
  )
}

async function readBody(req: Request, maxBytes: number): Promise<unknown> {
  const length = Number(req.headers.get('content-length') ?? '0')
  if (length > maxBytes) throw new AppError('payload_too_large', `The body is larger than ${maxBytes} bytes.`)
  const text = await req.text()
  if (Buffer.byteLength(text) > maxBytes) throw new AppError('payload_too_large', `The body is larger than ${maxBytes} bytes.`)
  if (text.trim() === '') return {}
  const type = req.headers.get('content-type') ?? ''
  if (!type.includes('application/json')) throw new AppError('bad_request', 'Send the body as JSON with Content-Type: application/json.')
  try {
    return JSON.parse(text)
  } catch {
    throw new AppError('bad_request', 'The body is not valid JSON.')
  }
}

export function route<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
>(
  opts: RouteOptions<P, Q, B>,
  handler: (args: { req: Request; params: Out<P>; query: Out<Q>; body: Out<B>; ctx: RouteContext }) => Promise<Response> | Response,
) {
  return async (req: Request, context: NextRouteContext): Promise<Response> => {
    const requestId = clientRequestId(req.headers.get('x-request-id')) ?? crypto.randomUUID()
    let rt: Runtime | undefined
    try {
      rt = getRuntime()
      const actor = await authenticate(req, rt)
      authorize(opts.auth, actor)
      const params = (opts.params ? parseWith(opts.params, await context.params, 'path parameter') : undefined) as Out<P>
      const query = (opts.query ? parseWith(opts.query, Object.fromEntries(new URL(req.url).searchParams), 'query') : undefined) as Out<Q>
      const body = (opts.body ? parseWith(opts.body, await readBody(req, opts.maxBodyBytes ?? 1_048_576), 'body') : undefined) as Out<B>
      const res = await handler({ req, params, query, body, ctx: { rt, actor, requestId } })
      res.headers.set('x-request-id', requestId)
      return res
    } catch (err) {
      if (isAppError(err)) return errorResponse(err, requestId)
      rt?.logger.error({ err, requestId, method: req.method, url: new URL(req.url).pathname }, 'unhandled error in route')
      return errorResponse(
        new AppError('internal', `Something went wrong on our side. Quote request id ${requestId} when reporting it.`),
        requestId,
      )
    }
  }
}

/** A caller's own request id is kept for correlation only when it is short and plain (it reaches logs). */
function clientRequestId(value: string | null): string | undefined {
  return value && /^[\w.:-]{1,64}$/.test(value) ? value : undefined
}
