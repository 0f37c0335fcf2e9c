import NextAuth from 'next-auth'
import type { NextFetchEvent, NextRequest } from 'next/server'
import { authConfig } from '@/lib/auth/config'

// The proxy only sends anonymous visitors to /login; pages, actions and routes check the operator
// themselves against the database.
const { auth } = NextAuth(authConfig)
const authProxy = auth as unknown as (req: NextRequest, ev: NextFetchEvent) => Promise<Response | undefined | null>

const SESSION_COOKIE = /^(__Secure-)?authjs\.session-token(\.\d+)?=/

/**
 * Auth.js's proxy re-issues the session cookie on every request it sees (a rolling session). A request
 * still in flight when the operator signs out (a link prefetch, say) then answers with a fresh session
 * cookie after the sign-out deleted it, and the operator is signed in again — seen in the e2e suite.
 * So the proxy's re-issued session cookies are dropped: a session lasts its fixed 12 hours from sign-in,
 * and only sign-in sets the cookie and only sign-out clears it.
 */
export default async function proxy(req: NextRequest, ev: NextFetchEvent): Promise<Response | undefined | null> {
  const res = await authProxy(req, ev)
  if (!res) return res
  for (const header of ['set-cookie', 'x-middleware-set-cookie']) {
    const values = header === 'set-cookie' ? res.headers.getSetCookie() : (res.headers.get(header)?.split(/,(?=\s*[^;=\s]+=)/) ?? [])
    if (!values.some((c) => SESSION_COOKIE.test(c.trim()))) continue
    res.headers.delete(header)
    for (const c of values) if (!SESSION_COOKIE.test(c.trim())) res.headers.append(header, c.trim())
  }
  return res
}

export const config = {
  matcher: ['/((?!api|metrics|_next/static|_next/image|favicon.ico|socket.io).*)'],
}
