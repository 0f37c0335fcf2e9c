import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DB } from '@/lib/db/client'
import { findOperatorSession, insertOperatorSession } from '@/lib/db/operator-sessions'
import { findOperatorById, insertOperator } from '@/lib/db/operators'
import { EventBus } from '@/lib/events/bus'
import type { DomainEvents } from '@/lib/events/types'
import { removeOperator, resetOperatorPassword, setOperatorDisabled, setOperatorRole } from './operators'
import { tempDb } from '../../tests/support/temp-db'

let db: DB
let close: () => void
let bus: EventBus
let changes: DomainEvents['operator.changed'][]

beforeEach(() => {
  ;({ db, close } = tempDb())
  bus = new EventBus()
  changes = []
  bus.on('operator.changed', (e) => changes.push(e))
})
afterEach(() => {
  close()
})

const add = (email: string, role: 'admin' | 'viewer') => insertOperator({ db, email, name: '', passwordHash: 'h', role })
const deps = () => ({ db, bus })

describe('operator rules', () => {
  it('two admins disabling each other: the first wins, the second is refused, one active admin remains', () => {
    const a = add('a@x.test', 'admin')
    const b = add('b@x.test', 'admin')
    setOperatorDisabled(deps(), { id: a.id }, { id: b.id, disabled: true })
    // B's request was already past its page's session check; the rule re-reads B inside the transaction.
    expect(() => setOperatorDisabled(deps(), { id: b.id }, { id: a.id, disabled: true })).toThrow('Your session has ended')
    expect(findOperatorById({ db, id: a.id })?.disabled).toBe(false)
    expect(changes).toEqual([{ operatorId: b.id, change: 'disabled' }])
  })

  it('nobody disables, demotes or removes themselves; viewers change nothing', () => {
    const a = add('a@x.test', 'admin')
    const v = add('v@x.test', 'viewer')
    expect(() => setOperatorDisabled(deps(), { id: a.id }, { id: a.id, disabled: true })).toThrow('cannot disable yourself')
    expect(() => setOperatorRole(deps(), { id: a.id }, { id: a.id, role: 'viewer' })).toThrow('cannot change your own role')
    expect(() => removeOperator(deps(), { id: a.id }, { id: a.id })).toThrow('cannot remove yourself')
    expect(() => setOperatorDisabled(deps(), { id: v.id }, { id: a.id, disabled: true })).toThrow('Only admins')
    expect(() => removeOperator(deps(), { id: a.id }, { id: 999 })).toThrow('no longer exists')
    expect(changes).toEqual([])
  })

  it('disabling, demoting and resetting a password end the target’s open sessions and announce it', async () => {
    const a = add('a@x.test', 'admin')
    const b = add('b@x.test', 'admin')
    const session = () =>
      insertOperatorSession({ db, operatorId: b.id, createdAt: Date.now(), expiresAt: Date.now() + 1000_000, ip: '::1' })
    const s1 = session()
    setOperatorRole(deps(), { id: a.id }, { id: b.id, role: 'viewer' })
    expect(findOperatorSession({ db, id: s1.id })?.endReason).toBe('operator_changed')
    const s2 = session()
    await resetOperatorPassword(deps(), { id: a.id }, { id: b.id, password: 'a-new-password' })
    expect(findOperatorSession({ db, id: s2.id })?.endedAt).not.toBeNull()
    const s3 = session()
    setOperatorDisabled(deps(), { id: a.id }, { id: b.id, disabled: true })
    expect(findOperatorSession({ db, id: s3.id })?.endedAt).not.toBeNull()
    removeOperator(deps(), { id: a.id }, { id: b.id })
    expect(findOperatorById({ db, id: b.id })).toBeUndefined()
    expect(changes.map((c) => c.change)).toEqual(['role', 'password', 'disabled', 'removed'])
  })

  it('the role of a viewer can be raised and lowered again while another admin remains', () => {
    const a = add('a@x.test', 'admin')
    const v = add('v@x.test', 'viewer')
    expect(setOperatorRole(deps(), { id: a.id }, { id: v.id, role: 'admin' }).role).toBe('admin')
    expect(setOperatorRole(deps(), { id: a.id }, { id: v.id, role: 'viewer' }).role).toBe('viewer')
  })
})
