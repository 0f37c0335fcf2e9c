import type { NextAuthConfig } from 'next-auth'
import type { OperatorRole } from '@/lib/db/schema'

// Module augmentation merges declarations, which only interfaces do.
/* eslint-disable @typescript-eslint/consistent-type-definitions */
declare module 'next-auth' {
  interface User {
    role?: OperatorRole
    sv?: number
  }
  interface Session {
    user: { id: string; email: string; name?: string | null; role: OperatorRole; sv: number }
  }
}

declare module '@auth/core/jwt' {
  interface JWT {
    uid?: string
    role?: OperatorRole
    sv?: number
  }
}
/* eslint-enable @typescript-eslint/consistent-type-definitions */

export const PUBLIC_PATHS = ['/login', '/setup']

/**
 * The DB-free part of the Auth.js config, safe for proxy.ts. The proxy only redirects anonymous
 * visitors; every page, action and route checks the operator against the database itself
 * (lib/auth/session.ts), so a disabled operator's still-valid JWT is refused.
 */
export const authConfig = {
  session: { strategy: 'jwt', maxAge: 12 * 60 * 60 },
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
      }
      return token
    },
    session({ session, token }) {
      session.user.id = token.uid ?? ''
      session.user.role = token.role ?? 'viewer'
      session.user.sv = token.sv ?? 0
      return session
    },
  },
} satisfies NextAuthConfig
