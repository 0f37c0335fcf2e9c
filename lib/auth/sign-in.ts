import { findOperatorByEmail, type Operator } from '@/lib/db/operators'
import type { DB } from '@/lib/db/client'
import type { Logger } from '@/lib/logger'
import type { LoginLimiter } from './login-limiter'
import type { PasswordChecks } from './password-checks'
import { emailRef, type FailedSignInReason, recordFailedSignIn } from './sign-in-audit'

export type SignInDeps = { db: DB; limiter: LoginLimiter; passwordChecks: PasswordChecks; logger: Logger; auditSecret: string }

export type SignInOutcome =
  | { ok: true; operator: Operator }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'blocked'; retryAfterSeconds: number }
  | { ok: false; reason: 'busy' }

/**
 * Checks an operator's email and password: limiter first (its point is taken before any hashing),
 * then one password check through the in-flight cap, for known and unknown emails alike.
 */
export async function checkSignIn(
  deps: SignInDeps,
  { email, password, ip }: { email: string; password: string; ip: string },
): Promise<SignInOutcome> {
  const { db, limiter, passwordChecks, logger } = deps
  const ref = emailRef(deps.auditSecret, email)
  const admission = await limiter.admit({ email, ip })
  if (!admission.admitted) {
    logger.warn({ email: ref, ip, retryAfterSeconds: admission.retryAfterSeconds }, 'sign-in refused: too many failed attempts')
    return { ok: false, reason: 'blocked', retryAfterSeconds: admission.retryAfterSeconds }
  }
  // The email is slowed down (many failures from other addresses): this address has not failed, so
  // it is let through after a short wait instead of being locked out.
  if (admission.delayMs > 0) await new Promise((r) => setTimeout(r, admission.delayMs))
  const op = findOperatorByEmail({ db, email })
  const verdict = await passwordChecks.check(op?.passwordHash ?? null, password)
  if (verdict === 'busy') {
    await limiter.cancelled(admission.ticket)
    logger.warn({ email: ref, ip }, 'sign-in refused: too many password checks in flight')
    return { ok: false, reason: 'busy' }
  }
  if (!op || !verdict || op.disabled) {
    const reason: FailedSignInReason = !op ? 'unknown_email' : !verdict ? 'wrong_password' : 'disabled'
    const { blockStarted, slowedDown } = await limiter.failed(admission.ticket)
    recordFailedSignIn({ db, who: op ? op.email : ref, ip, reason, blockStarted })
    logger.info({ email: op ? op.email : ref, ip, reason, blockStarted, slowedDown }, 'sign-in failed')
    return { ok: false, reason: 'invalid' }
  }
  await limiter.succeeded(admission.ticket)
  return { ok: true, operator: op }
}
