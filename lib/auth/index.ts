import NextAuth, { CredentialsSignin } from 'next-auth'
import Credentials from 'next-auth/providers/credentials'
import { z } from 'zod'
import { writeAudit } from '@/lib/db/audit'
import { touchLastLogin } from '@/lib/db/operators'
import { trustFromHeaders } from '@/lib/http/request-trust'
import { getRuntime } from '@/lib/runtime'
import { authConfig } from './config'
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
        touchLastLogin({ db, id: op.id })
        writeAudit({ db, actor: op.email, action: 'operator.login', details: { ip } })
        logger.info({ operatorId: op.id, ip }, 'operator logged in')
        return { id: String(op.id), email: op.email, name: op.name, role: op.role, sv: op.sessionVersion }
      },
    }),
  ],
})
