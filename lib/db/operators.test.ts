import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DB } from './client'
import {
  countOperators,
  countOtherActiveAdmins,
  findOperatorByEmail,
  insertFirstAdmin,
  insertOperator,
  listOperators,
  updateOperator,
} from './operators'
import { tempDb } from '../../tests/support/temp-db'

let db: DB
let close: () => void
beforeEach(() => {
  ;({ db, close } = tempDb())
})
afterEach(() => {
  close()
})

describe('operators repository', () => {
  it('creates the first admin only while no operator exists', () => {
    expect(insertFirstAdmin({ db, email: 'First@Example.test', name: 'F', passwordHash: 'h1' })).toMatchObject({
      email: 'first@example.test',
      role: 'admin',
    })
    expect(insertFirstAdmin({ db, email: 'second@example.test', name: 'S', passwordHash: 'h2' })).toBeNull()
    expect(countOperators({ db })).toBe(1)
  })

  it('never lists password hashes', () => {
    insertOperator({ db, email: 'v@example.test', name: 'V', passwordHash: 'secret-hash', role: 'viewer' })
    expect(JSON.stringify(listOperators({ db }))).not.toContain('secret-hash')
  })

  it('bumps the session version when the password changes or the operator is disabled, not on a rename', () => {
    const op = insertOperator({ db, email: 'v@example.test', name: 'V', passwordHash: 'h', role: 'viewer' })
    expect(updateOperator({ db, id: op.id, patch: { name: 'Vee' } })?.sessionVersion).toBe(op.sessionVersion)
    expect(updateOperator({ db, id: op.id, patch: { passwordHash: 'h2' } })?.sessionVersion).toBe(op.sessionVersion + 1)
    expect(updateOperator({ db, id: op.id, patch: { disabled: true } })?.sessionVersion).toBe(op.sessionVersion + 2)
  })

  it('counts the other active admins', () => {
    const a = insertOperator({ db, email: 'a@example.test', name: '', passwordHash: 'h', role: 'admin' })
    const b = insertOperator({ db, email: 'b@example.test', name: '', passwordHash: 'h', role: 'admin' })
    expect(countOtherActiveAdmins({ db, exceptId: a.id })).toBe(1)
    updateOperator({ db, id: b.id, patch: { disabled: true } })
    expect(countOtherActiveAdmins({ db, exceptId: a.id })).toBe(0)
    expect(findOperatorByEmail({ db, email: ' B@EXAMPLE.TEST ' })?.id).toBe(b.id)
  })
})
