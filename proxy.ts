import NextAuth from 'next-auth'
import { authConfig } from '@/lib/auth/config'

// Next 16 checks this export statically: it must be a default-exported function. The proxy only
// sends anonymous visitors to /login; pages, actions and routes check the operator themselves.
const { auth } = NextAuth(authConfig)
export default auth

export const config = {
  matcher: ['/((?!api|_next/static|_next/image|favicon.ico|socket.io).*)'],
}
