import NextAuth, { CredentialsSignin } from 'next-auth'
import Credentials from 'next-auth/providers/credentials'
import { z } from 'zod'
import { writeAudit } from '@/lib/db/audit'
import { findOperatorByEmail, touchLastLogin } from '@/lib/db/operators'
import { getRuntime } from '@/lib/runtime'
import { trustFromHeaders } from '@/lib/http/request-trust'
import { authConfig } from './config'
import { getDummyHash, verifyPassword } from './password'

/** Thrown while an email+IP pair is blocked; its code reaches the login form. */
export class TooManyAttempts extends CredentialsSignin {
  code = 'too_many_attempts'
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
        const { db, loginLimiter, logger } = getRuntime()
        const ip = trustFromHeaders(request.headers).clientIp
        if ((await loginLimiter.blockedFor(email, ip)) > 0) {
          logger.warn({ email, ip }, 'login blocked: too many failed attempts')
          throw new TooManyAttempts()
        }
        const op = findOperatorByEmail({ db, email })
        const ok = op ? await verifyPassword(op.passwordHash, password) : await verifyPassword(await getDummyHash(), password)
        if (!op || !ok || op.disabled) {
          await loginLimiter.recordFailure(email, ip)
          logger.info({ email, ip, reason: !op ? 'unknown_email' : op.disabled ? 'disabled' : 'wrong_password' }, 'login failed')
          return null
        }
        await loginLimiter.recordSuccess(email, ip)
        touchLastLogin({ db, id: op.id })
        writeAudit({ db, actor: op.email, action: 'operator.login', details: { ip } })
        logger.info({ operatorId: op.id, ip }, 'operator logged in')
        return { id: String(op.id), email: op.email, name: op.name, role: op.role, sv: op.sessionVersion }
      },
    }),
  ],
})
