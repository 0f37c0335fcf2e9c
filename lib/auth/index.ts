import NextAuth, { CredentialsSignin } from 'next-auth'
import Credentials from 'next-auth/providers/credentials'
import { z } from 'zod'
import { writeAudit } from '@/lib/db/audit'
import { endOperatorSession, insertOperatorSession, pruneOperatorSessions } from '@/lib/db/operator-sessions'
import { touchLastLogin } from '@/lib/db/operators'
import { trustFromHeaders } from '@/lib/http/request-trust'
import { getRuntime } from '@/lib/runtime'
import { authConfig, SESSION_MAX_AGE_MS } from './config'
import { checkSignIn } from './sign-in'

/** Thrown while an email+address pair (or the email) is blocked; its code reaches the login form. */
export class TooManyAttempts extends CredentialsSignin {
  code = 'too_many_attempts'
}

/** Thrown when too many password checks are in flight; the attempt did not count. */
export class SignInBusy extends CredentialsSignin {
  code = 'busy'
}

const LoginInput = z.object({ email: z.string().trim().toLowerCase().max(320), password: z.string().max(1024) })

export const { handlers, auth, signIn, signOut } = NextAuth({
  ...authConfig,
  providers: [
    Credentials({
      credentials: { email: {}, password: {} },
      async authorize(raw, request) {
        const parsed = LoginInput.safeParse(raw)
        if (!parsed.success || !parsed.data.email || !parsed.data.password) return null
        const { email, password } = parsed.data
        const { db, env, loginLimiter, passwordChecks, logger } = getRuntime()
        const ip = trustFromHeaders(request.headers).clientIp
        const outcome = await checkSignIn(
          { db, limiter: loginLimiter, passwordChecks, logger, auditSecret: env.authSecret },
          { email, password, ip },
        )
        if (!outcome.ok) {
          if (outcome.reason === 'blocked') throw new TooManyAttempts()
          if (outcome.reason === 'busy') throw new SignInBusy()
          return null
        }
        const op = outcome.operator
        const now = Date.now()
        pruneOperatorSessions({ db, before: now - 7 * 24 * 60 * 60 * 1000 })
        const session = insertOperatorSession({ db, operatorId: op.id, createdAt: now, expiresAt: now + SESSION_MAX_AGE_MS, ip })
        touchLastLogin({ db, id: op.id })
        writeAudit({ db, actor: op.email, actorId: `operator:${op.id}`, action: 'operator.login', ip })
        logger.info({ operatorId: op.id, ip }, 'operator logged in')
        return { id: String(op.id), email: op.email, name: op.name, role: op.role, sv: op.sessionVersion, sid: session.id, at: now }
      },
    }),
  ],
  events: {
    /**
     * Both ways of signing out (the dashboard's button, a server action, and Auth.js' own
     * /api/auth/signout) end here: the server-side session ends, so a copied cookie stops working at
     * once, and the realtime gateway disconnects that session's sockets.
     */
    signOut(message) {
      const token = 'token' in message ? message.token : null
      if (!token?.sid) return
      const { db, bus, logger } = getRuntime()
      const ended = endOperatorSession({ db, id: token.sid, reason: 'signed_out' })
      if (!ended) return
      logger.info({ operatorId: ended.operatorId }, 'operator signed out')
      bus.emit('operator.session_ended', { operatorId: ended.operatorId, sessionId: ended.id, reason: 'signed_out' })
    },
  },
})
