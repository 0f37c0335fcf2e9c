import type { z } from 'zod'
import type { In, Operation, OperationAuth } from './operation'
import { type OperationId, type Operations, ROUTES } from './routes.gen'

/**
 * The dashboard's client of the gateway's own REST API, derived from the operation declarations
 * (./operations), the same ones the route wrapper enforces and the OpenAPI document is generated from.
 * A call names its operation: `api.call('sendMessage', { params: { accountId }, body })`. The types
 * of the path parameters, the query, the body and the answer come from that operation's zod schemas;
 * the method and the URL from its declared method and path, through the route table generated from
 * the same declarations (./routes.gen.ts, `npm run api:routes`). Nothing is written twice, so the
 * dashboard cannot drift from the API it offers, and the browser loads neither the declarations nor
 * zod (the types are erased).
 *
 * In the browser it calls with the operator's session cookie (same origin); the API checks the
 * Origin of cookie-authenticated writes, the role's scopes, the limits, and writes the audit row,
 * exactly as for an API key. lib/api/client-bundle.test.ts checks that this stays free of server code.
 */

export type { OperationId, Operations } from './routes.gen'

export const API_PREFIX = '/api/v1'

type Schema = z.ZodType

type Parts<O> = O extends Operation<OperationAuth, infer P, infer Q, infer B, infer R> ? { P: P; Q: Q; B: B; R: R } : never

/** A slot of the call: required when its schema has a required field, optional when none, absent without a schema. */
type Slot<K extends string, S> = S extends Schema
  ? object extends z.input<S>
    ? Partial<Record<K, z.input<S>>>
    : Record<K, z.input<S>>
  : Partial<Record<K, never>>

/**
 * What a call of `O` takes: `params` (the path's {templates}), `query`, `body` (JSON), or `form`
 * for an operation whose body the handler reads itself (a multipart upload), and extra headers
 * (an Idempotency-Key, say).
 */
export type CallInput<O> =
  Parts<O> extends { P: infer P; Q: infer Q; B: infer B }
    ? Slot<'params', P> &
        Slot<'query', Q> &
        (B extends Schema ? Slot<'body', B> & { form?: never } : { body?: never; form?: FormData }) & {
          headers?: Record<string, string>
          signal?: AbortSignal
        }
    : never

/** What a call of `O` answers: the success schema's shape (as the handler returns it), nothing for 204. */
export type CallResult<O> = Parts<O> extends { R: infer R } ? (R extends Schema ? In<R> : undefined) : never

/** One field a validation error named (`details` of `validation_failed`), e.g. `{ path: 'text.body', message }`. */
export type FieldIssue = { path: string; message: string }

/**
 * A refusal from the API: its status, its stable code (`insufficient_scope`, `rate_limited`,
 * `not_connected`…) and its message, which the dashboard shows as it is.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: FieldIssue[] = [],
    readonly requestId: string | null = null,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

type QueryValue = string | number | boolean | null | undefined | readonly (string | number | boolean)[]

/** A path parameter as one URL segment: encoded, and never a dot segment a URL parser would resolve away. */
function segment(name: string, value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') throw new TypeError(`The path parameter "${name}" is missing.`)
  const text = String(value)
  if (text === '' || text === '.' || text === '..') throw new TypeError(`The path parameter "${name}" cannot be "${text}".`)
  return encodeURIComponent(text)
}

/**
 * The URL of an operation: its declared path under /api/v1 with the parameters filled in, and the
 * query (undefined and null left out; a list joined with commas, as the API's list filters read it).
 */
export function operationUrl(op: { path: string }, input: { params?: object; query?: object } = {}, base = ''): string {
  const params = (input.params ?? {}) as Record<string, unknown>
  const used = new Set<string>()
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    used.add(name)
    return segment(name, params[name])
  })
  const extra = Object.keys(params).filter((k) => !used.has(k) && params[k] !== undefined)
  if (extra.length) throw new TypeError(`${op.path} has no path parameter ${extra.map((k) => `"${k}"`).join(', ')}.`)
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries((input.query ?? {}) as Record<string, QueryValue>)) {
    if (value === undefined || value === null) continue
    if (Array.isArray(value)) {
      if (value.length) search.set(name, value.join(','))
    } else if (typeof value === 'object') throw new TypeError(`The query parameter "${name}" must be a value or a list.`)
    else search.set(name, String(value))
  }
  const qs = search.toString()
  return `${base}${API_PREFIX}${path}${qs ? `?${qs}` : ''}`
}

function issuesOf(details: unknown): FieldIssue[] {
  return Array.isArray(details)
    ? details.filter((d): d is FieldIssue => typeof d === 'object' && d !== null && typeof (d as FieldIssue).path === 'string')
    : []
}

/** The API's error envelope, or a refusal that did not come from the API (a proxy's 502 page, say). */
async function refusal(res: Response): Promise<ApiError> {
  const data: unknown = await res.json().catch(() => null)
  const err = (data as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error
  const requestId = res.headers.get('x-request-id')
  if (err && typeof err.code === 'string' && typeof err.message === 'string')
    return new ApiError(res.status, err.code, err.message, issuesOf(err.details), requestId)
  return new ApiError(
    res.status,
    'http_error',
    `The gateway answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}.`,
    [],
    requestId,
  )
}

export type ApiClientOptions = {
  /** origin to call (default: the page's own, i.e. relative URLs) */
  baseUrl?: string
  /** default: the global fetch */
  fetch?: typeof fetch
  /** sent with every call (a test's cookie and Origin; the browser sends its own) */
  headers?: Record<string, string>
}

export type ApiClient = {
  /** calls the operation; resolves with its answer or rejects with an ApiError */
  call<K extends OperationId>(id: K, input: CallInput<Operations[K]>): Promise<CallResult<Operations[K]>>
  /** the operation's URL, for a link or an <img src> (a GET read with the session cookie) */
  url<K extends OperationId>(id: K, input: Pick<CallInput<Operations[K]>, 'params' | 'query'>): string
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const base = options.baseUrl ?? ''
  return {
    url: (id, input) => operationUrl(ROUTES[id], input, base),
    async call(id, input) {
      const route = ROUTES[id]
      const { params, query, body, form, headers, signal } = input as {
        params?: object
        query?: object
        body?: unknown
        form?: FormData
        headers?: Record<string, string>
        signal?: AbortSignal
      }
      if (route.form && !form) throw new TypeError(`${id} takes a form body.`)
      const url = operationUrl(route, { params, query }, base)
      const doFetch = options.fetch ?? fetch
      let res: Response
      try {
        res = await doFetch(url, {
          method: route.method,
          headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers, ...headers },
          // a form's multipart boundary is set by fetch itself
          body: form ?? (body === undefined ? undefined : JSON.stringify(body)),
          credentials: 'same-origin',
          cache: 'no-store',
          signal,
        })
      } catch (err) {
        if (signal?.aborted) throw err
        throw new ApiError(0, 'network_error', 'The gateway could not be reached. Check the connection and try again.')
      }
      if (!res.ok) throw await refusal(res)
      if (res.status === 204 || !route.json) return undefined as CallResult<Operations[typeof id]>
      return (await res.json()) as CallResult<Operations[typeof id]>
    },
  }
}

/** The browser's client: the page's origin, the operator's session cookie. */
export const api: ApiClient = createApiClient()
