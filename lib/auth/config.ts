import type { NextAuthConfig } from 'next-auth'
import type { OperatorRole } from '@/lib/db/schema'

// Module augmentation merges declarations, which only interfaces do.
/* eslint-disable @typescript-eslint/consistent-type-definitions */
declare module 'next-auth' {
  interface User {
    role?: OperatorRole
    sv?: number
    sid?: string
    at?: number
  }
  interface Session {
    user: { id: string; email: string; name?: string | null; role: OperatorRole; sv: number; sid: string; at: number }
  }
}

declare module '@auth/core/jwt' {
  interface JWT {
    uid?: string
    role?: OperatorRole
    sv?: number
    /** the server-side session (operator_sessions.id) */
    sid?: string
    /** auth time: when the operator signed in (ms). Re-signing the token never changes it, unlike `iat`. */
    at?: number
  }
}
/* eslint-enable @typescript-eslint/consistent-type-definitions */

export const PUBLIC_PATHS = ['/login', '/setup']

/** A sign-in lasts this long from the moment of sign-in; nothing extends it. */
export const SESSION_MAX_AGE_MS = 12 * 60 * 60 * 1000

/** true while a sign-in made at `authTime` is still within its 12 hours */
export function withinSessionLifetime(authTime: number | null | undefined, now = Date.now()): boolean {
  return typeof authTime === 'number' && Number.isFinite(authTime) && authTime <= now && now - authTime < SESSION_MAX_AGE_MS
}

/**
 * The DB-free part of the Auth.js config, safe for proxy.ts. The proxy only redirects anonymous
 * visitors; every page, action and route checks the operator against the database itself
 * (lib/auth/session.ts), so a disabled operator's still-valid JWT is refused.
 */
export const authConfig = {
  session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_MS / 1000 },
  trustHost: true,
  pages: { signIn: '/login' },
  providers: [],
  callbacks: {
    authorized({ auth, request }) {
      const { pathname } = request.nextUrl
      if (PUBLIC_PATHS.some((p) => pathname === p || pathname.startsWith(`${p}/`))) return true
      return !!auth?.user
    },
    jwt({ token, user }) {
      // `user` is only there at sign-in.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- Auth.js types it as always present
      if (user) {
        token.uid = user.id
        token.role = user.role
        token.sv = user.sv
        token.sid = user.sid
        token.at = user.at
      }
      // Auth.js re-signs the token with a fresh expiry whenever /api/auth/session is read; the auth
      // time inside does not move, and past 12 hours from it the token is dropped (cookie cleared).
      if (!withinSessionLifetime(token.at)) return null
      return token
    },
    session({ session, token }) {
      session.user.id = token.uid ?? ''
      session.user.role = token.role ?? 'viewer'
      session.user.sv = token.sv ?? 0
      session.user.sid = token.sid ?? ''
      session.user.at = token.at ?? 0
      // What the client is told matches what the server enforces.
      session.expires = new Date((token.at ?? 0) + SESSION_MAX_AGE_MS).toISOString() as typeof session.expires
      return session
    },
  },
} satisfies NextAuthConfig
