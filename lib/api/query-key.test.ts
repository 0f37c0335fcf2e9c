import { afterEach, describe, expect, it } from 'vitest'
import { type Runtime, setRuntime } from '@/lib/runtime'
import { optionalQueryKeyRoute } from './query-key'
import type { RouteHandler } from './route'

/** A route that answers with what it was handed, so the test sees the request the wrapper would see. */
function echo(): { route: RouteHandler; seen: Request[] } {
  const seen: Request[] = []
  const run = (req: Request) => {
    seen.push(req)
    return Promise.resolve(new Response('ok'))
  }
  return { route: Object.assign(run, { operation: {} as RouteHandler['operation'] }), seen }
}
const ctx = { params: Promise.resolve({}) }
const allow = (on: boolean) => setRuntime({ env: { messages: { allowQueryApiKey: on } } } as unknown as Runtime)

afterEach(() => setRuntime(undefined))

describe('optionalQueryKeyRoute (the event stream)', () => {
  it('passes a request without ?apiKey= through untouched', async () => {
    allow(false)
    const { route, seen } = echo()
    const req = new Request('http://gw/api/v1/events/stream?types=message.*', { headers: { authorization: 'Bearer k', cookie: 'a=b' } })
    expect((await optionalQueryKeyRoute(route)(req, ctx)).status).toBe(200)
    expect(seen[0]).toBe(req)
  })

  it('refuses a query-string key with 401 while ALLOW_QUERY_API_KEY is off, before the route runs', async () => {
    allow(false)
    const { route, seen } = echo()
    const res = await optionalQueryKeyRoute(route)(new Request('http://gw/api/v1/events/stream?apiKey=wag_secret'), ctx)
    expect(res.status).toBe(401)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized')
    expect(seen).toEqual([])
  })

  it('with the setting on, moves the key into the Authorization header, out of the URL, and drops cookies', async () => {
    allow(true)
    const { route, seen } = echo()
    const req = new Request('http://gw/api/v1/events/stream?types=account.*&apiKey=wag_secret', { headers: { cookie: 'session=1' } })
    expect((await optionalQueryKeyRoute(route)(req, ctx)).status).toBe(200)
    const handed = seen[0]
    expect(handed?.headers.get('authorization')).toBe('Bearer wag_secret')
    expect(handed?.url).toBe('http://gw/api/v1/events/stream?types=account.*')
    expect(handed?.headers.get('cookie')).toBeNull()
  })
})
