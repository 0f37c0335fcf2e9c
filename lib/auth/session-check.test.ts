import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DB } from '@/lib/db/client'
import { endOperatorSession, insertOperatorSession } from '@/lib/db/operator-sessions'
import { insertOperator, updateOperator } from '@/lib/db/operators'
import { SESSION_MAX_AGE_MS } from './config'
import { sessionFromClaims } from './session-check'
import { tempDb } from '../../tests/support/temp-db'

const HOUR = 60 * 60 * 1000
let db: DB
let close: () => void

beforeEach(() => {
  ;({ db, close } = tempDb())
})
afterEach(() => {
  close()
})

function signIn(at: number) {
  const op = insertOperator({ db, email: `op${at}@x.test`, name: '', passwordHash: 'x', role: 'admin' })
  const session = insertOperatorSession({ db, operatorId: op.id, createdAt: at, expiresAt: at + SESSION_MAX_AGE_MS, ip: '127.0.0.1' })
  return { op, claims: { uid: String(op.id), sv: op.sessionVersion, sid: session.id, at } }
}

describe('sessionFromClaims', () => {
  it('accepts a sign-in for 12 hours from its auth time, and not a moment longer', () => {
    const t0 = Date.parse('2026-11-29T08:00:00Z')
    const { claims, op } = signIn(t0)
    expect(sessionFromClaims(db, claims, t0 + 11 * HOUR)?.operator.id).toBe(op.id)
    expect(sessionFromClaims(db, claims, t0 + 12 * HOUR - 1)?.expiresAt).toBe(t0 + 12 * HOUR)
    expect(sessionFromClaims(db, claims, t0 + 12 * HOUR)).toBeNull()
  })

  it('a token re-signed with a later auth time does not outlive its server-side session', () => {
    const t0 = Date.parse('2026-11-29T08:00:00Z')
    const { claims } = signIn(t0)
    expect(sessionFromClaims(db, { ...claims, at: t0 + 6 * HOUR }, t0 + 13 * HOUR)).toBeNull()
  })

  it('refuses tokens without a session id or auth time (issued before sessions were tracked)', () => {
    const now = Date.now()
    const { claims } = signIn(now)
    expect(sessionFromClaims(db, { uid: claims.uid, sv: claims.sv, at: now }, now)).toBeNull()
    expect(sessionFromClaims(db, { uid: claims.uid, sv: claims.sv, sid: claims.sid }, now)).toBeNull()
    expect(sessionFromClaims(db, { ...claims, sid: 'someone-elses-or-made-up' }, now)).toBeNull()
  })

  it('refuses an ended session, a disabled operator and a bumped session version', () => {
    const now = Date.now()
    const a = signIn(now)
    expect(sessionFromClaims(db, a.claims, now)).not.toBeNull()
    endOperatorSession({ db, id: a.claims.sid, reason: 'signed_out' })
    expect(sessionFromClaims(db, a.claims, now)).toBeNull()

    const b = signIn(now + 1)
    updateOperator({ db, id: b.op.id, patch: { passwordHash: 'y' } })
    expect(sessionFromClaims(db, b.claims, now + 1)).toBeNull()
  })
})
