import { AppError } from '@/lib/errors'
import { getRuntime } from '@/lib/runtime'
import { errorResponse, type RouteHandler } from './route'
import { requestIdOf } from './principal'

/**
 * The compatibility form of a route that takes its API key from `?apiKey=` (gateways that send by
 * GET). Off unless ALLOW_QUERY_API_KEY is on: then 404, as if the route did not exist. When on, the
 * key moves into an Authorization header before the route wrapper sees the request, the URL the
 * wrapper (and any log) sees no longer carries it, and session cookies are dropped: a GET that
 * sends must not be something another site can trigger with an <img> tag in an operator's browser.
 */
export function queryKeyRoute(handler: RouteHandler): RouteHandler {
  const run = async (req: Request, context: Parameters<RouteHandler>[1]) => {
    if (!getRuntime().env.messages.allowQueryApiKey) {
      return errorResponse(
        new AppError('not_found', `There is no API route ${req.method} ${new URL(req.url).pathname} (it needs ALLOW_QUERY_API_KEY=true).`),
        requestIdOf(req),
      )
    }
    return handler(withKeyFromQuery(req), context)
  }
  return Object.assign(run, { operation: handler.operation })
}

/**
 * A route that takes its key from the Authorization header and, only when ALLOW_QUERY_API_KEY is on,
 * also from `?apiKey=` (the event stream: a browser's EventSource cannot set headers). A query key
 * while the setting is off is refused with 401 rather than ignored, so the caller learns why.
 */
export function optionalQueryKeyRoute(handler: RouteHandler): RouteHandler {
  const run = async (req: Request, context: Parameters<RouteHandler>[1]) => {
    if (!new URL(req.url).searchParams.has('apiKey')) return handler(req, context)
    if (!getRuntime().env.messages.allowQueryApiKey) {
      return errorResponse(
        new AppError(
          'unauthorized',
          'API keys in the query string are off (ALLOW_QUERY_API_KEY); send the key as Authorization: Bearer <key>.',
        ),
        requestIdOf(req),
      )
    }
    return handler(withKeyFromQuery(req), context)
  }
  return Object.assign(run, { operation: handler.operation })
}

/**
 * The request as the route wrapper sees it: the `?apiKey=` moved into an Authorization header (unless
 * one was sent), gone from the URL (so no log carries it), and without session cookies.
 */
function withKeyFromQuery(req: Request): Request {
  const url = new URL(req.url)
  const key = url.searchParams.get('apiKey')
  url.searchParams.delete('apiKey')
  const headers = new Headers(req.headers)
  headers.delete('cookie')
  if (key && !headers.has('authorization')) headers.set('authorization', `Bearer ${key}`)
  return new Request(url, { method: req.method, headers })
}
