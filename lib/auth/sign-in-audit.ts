import crypto from 'node:crypto'
import { listAuditEntries, writeAudit } from '@/lib/db/audit'
import type { DB } from '@/lib/db/client'

export const FAILED_SIGN_IN = 'operator.login_failed'

export type FailedSignInReason = 'unknown_email' | 'wrong_password' | 'disabled'
export type FailedSignIn = { at: number; ip: string; who: string; reason: FailedSignInReason; blockStarted: boolean }

/**
 * A stable, non-reversible name for what was typed into the email field. People sometimes type a
 * password there: the audit log and the logs keep only a keyed hash of it (HMAC-SHA-256 under the
 * server's secret, 48 bits), enough to see that the same text came back.
 */
export function emailRef(secret: string, email: string): string {
  const mac = crypto.createHmac('sha256', secret).update(`sign-in-email\0${email.trim().toLowerCase()}`).digest('hex')
  return `email#${mac.slice(0, 12)}`
}

/**
 * Records a failed sign-in with its address and time. `who` is the operator's email when the text
 * matched an operator (data the gateway already holds), or the keyed hash of the text otherwise.
 */
export function recordFailedSignIn({
  db,
  who,
  ip,
  reason,
  blockStarted,
}: {
  db: DB
  who: string
  ip: string
  reason: FailedSignInReason
  blockStarted: boolean
}): void {
  writeAudit({ db, actor: 'anonymous', action: FAILED_SIGN_IN, target: who, ip, details: { ip, reason, blockStarted } })
}

const REASONS = new Set<string>(['unknown_email', 'wrong_password', 'disabled'])

export function recentFailedSignIns({ db, limit = 20 }: { db: DB; limit?: number }): FailedSignIn[] {
  return listAuditEntries({ db, action: FAILED_SIGN_IN, limit }).map((e) => {
    const d = (e.details ?? {}) as { ip?: unknown; reason?: unknown; blockStarted?: unknown }
    return {
      at: e.at,
      ip: typeof d.ip === 'string' ? d.ip : 'unknown',
      who: e.target ?? '',
      reason: typeof d.reason === 'string' && REASONS.has(d.reason) ? (d.reason as FailedSignInReason) : 'wrong_password',
      blockStarted: d.blockStarted === true,
    }
  })
}
