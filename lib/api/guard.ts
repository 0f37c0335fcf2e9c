import crypto from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { AppError } from '@/lib/errors'
import { OPERATIONS } from './operations'

/** The methods Next dispatches to route handlers; it answers any other one itself (an empty 400 or a 500). */
const NEXT_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
const PREFIX = '/api/v1'

const TEMPLATES = [...new Set(OPERATIONS.map((op) => op.path))].map((template) => ({
  pattern: new RegExp(`^${PREFIX}${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  allow: [
    ...new Set(OPERATIONS.filter((op) => op.path === template).flatMap((op) => (op.method === 'GET' ? ['GET', 'HEAD'] : [op.method]))),
    'OPTIONS',
  ]
    .sort()
    .join(', '),
}))

/**
 * What Next cannot answer in the API's error envelope, answered before it sees the request: a path
 * under /api/v1 that is not valid percent-encoding (Next answers a bare 500) and a method Next does
 * not dispatch (TRACE, made-up names). Returns the refusal, or null to let Next route the request.
 */
export function refuseBeforeNext(method: string | undefined, url: string | undefined): AppError | null {
  const raw = url ?? '/'
  const pathname = raw.split('?', 1)[0] ?? '/'
  if (pathname !== PREFIX && !pathname.startsWith(`${PREFIX}/`)) return null
  try {
    decodeURIComponent(pathname)
  } catch {
    return new AppError('bad_request', 'The URL path is not valid percent-encoding.')
  }
  if (method && NEXT_METHODS.has(method)) return null
  // Matched as Next would route it: dot segments resolved, empty segments dropped.
  const routed = new URL(pathname, 'http://gateway').pathname.replace(/\/{2,}/g, '/')
  const allow = TEMPLATES.find((t) => t.pattern.test(routed))?.allow
  if (!allow) return new AppError('not_found', `There is no API route ${pathname}. See ${PREFIX}/openapi.json.`)
  return new AppError('method_not_allowed', `This path accepts ${allow}.`, { headers: { allow } })
}

/** Writes the refusal in the error envelope; true when the request was answered. */
export function answerBeforeNext(req: IncomingMessage, res: ServerResponse): boolean {
  const err = refuseBeforeNext(req.method, req.url)
  if (!err) return false
  const body = JSON.stringify(err.toJSON())
  res.writeHead(err.status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'x-request-id': crypto.randomUUID(),
    ...err.headers,
  })
  res.end(req.method === 'HEAD' ? undefined : body)
  return true
}
