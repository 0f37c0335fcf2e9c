import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { insertAccount } from '@/lib/db/accounts'
import type { DB } from '@/lib/db/client'
import { KeyService } from './service'
import { tempDb } from '../../tests/support/temp-db'
import { recordAccountNews } from '@/lib/sessions/accounts'

const ENV_KEY = 'env-key-0123456789abcdef0123456789abcdef'
let db: DB
let close: () => void
let now: number
let keys: KeyService

beforeEach(() => {
  ;({ db, close } = tempDb())
  insertAccount({ db, id: 'shop', name: 'Shop', onNews: recordAccountNews })
  now = Date.parse('2026-01-01T00:00:00Z')
  keys = new KeyService({ db, envKey: ENV_KEY, now: () => now })
})
afterEach(() => {
  close()
})

const row = (id: string) => db.$client.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as Record<string, unknown>

describe('KeyService', () => {
  it('issues a key shown once: the database holds its prefix and hash, never the key', () => {
    const { key, view } = keys.issue({
      name: 'CRM',
      accountId: 'shop',
      scopes: ['messages:send', 'accounts:read'],
      createdBy: 'operator:1',
    })
    expect(view).toMatchObject({ name: 'CRM', accountId: 'shop', scopes: ['accounts:read', 'messages:send'], revokedAt: null })
    expect(key.startsWith(view.prefix)).toBe(true)
    const stored = row(view.id)
    expect(Object.values(stored)).not.toContain(key)
    expect(JSON.stringify(stored)).not.toContain(key.slice(view.prefix.length))
    expect(JSON.stringify(keys.list(null))).not.toContain(key.slice(view.prefix.length))
  })

  it('authenticates its keys and GATEWAY_API_KEY; refuses unknown, revoked and expired ones', () => {
    const { key, view } = keys.issue({ name: 'k', accountId: null, scopes: ['admin'], createdBy: 't' })
    expect(keys.authenticate(key)).toMatchObject({ ok: true, key: { id: view.id, accountId: null, scopes: ['admin'] } })
    expect(keys.authenticate(ENV_KEY)).toMatchObject({ ok: true, key: { id: 'env', scopes: ['admin'] } })
    expect(keys.authenticate(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toEqual({ ok: false, reason: 'unknown' })
    expect(keys.authenticate('nonsense')).toEqual({ ok: false, reason: 'unknown' })

    const expiring = keys.issue({
      name: 'e',
      accountId: 'shop',
      scopes: ['accounts:read'],
      createdBy: 't',
      expiresAt: new Date(now + 1000),
    })
    expect(keys.authenticate(expiring.key).ok).toBe(true)
    now += 1000
    expect(keys.authenticate(expiring.key)).toEqual({ ok: false, reason: 'expired' })

    keys.revoke(view.id, 'operator:1')
    expect(keys.authenticate(key)).toEqual({ ok: false, reason: 'revoked' })
    expect(row(view.id)).toMatchObject({ revoked_by: 'operator:1', revoked_at: now })
  })

  it('records the last use at most once a minute', () => {
    const { key, view } = keys.issue({ name: 'k', accountId: 'shop', scopes: ['accounts:read'], createdBy: 't' })
    expect(view.lastUsedAt).toBeNull()
    keys.authenticate(key)
    expect(row(view.id).last_used_at).toBe(now)
    const first = now
    now += 30_000
    keys.authenticate(key)
    expect(row(view.id).last_used_at).toBe(first)
    now += 31_000
    keys.authenticate(key)
    expect(row(view.id).last_used_at).toBe(now)
  })

  it('refuses keys it cannot honour', () => {
    const issue = (over: Partial<Parameters<KeyService['issue']>[0]>) => () =>
      keys.issue({ name: 'k', accountId: 'shop', scopes: ['accounts:read'], createdBy: 't', ...over })
    expect(issue({ scopes: ['admin'] })).toThrow(/only for gateway-wide keys/)
    expect(issue({ scopes: [] })).toThrow(/at least one scope/)
    expect(issue({ expiresAt: new Date(now - 1) })).toThrow(/future/)
    expect(issue({ accountId: 'nobody' })).toThrow(/No account with id "nobody"/)
    expect(db.$client.prepare('SELECT count(*) AS n FROM api_keys').get()).toEqual({ n: 0 })
  })

  it('lists per account or all; revoking twice answers the same; an unknown id is not found', () => {
    const a = keys.issue({ name: 'a', accountId: 'shop', scopes: ['accounts:read'], createdBy: 't' })
    keys.issue({ name: 'g', accountId: null, scopes: ['admin'], createdBy: 't' })
    expect(keys.list('shop').map((k) => k.name)).toEqual(['a'])
    expect(
      keys
        .list(null)
        .map((k) => k.name)
        .sort(),
    ).toEqual(['a', 'g'])
    const first = keys.revoke(a.view.id, 'x')
    now += 5000
    expect(keys.revoke(a.view.id, 'y')).toEqual(first)
    expect(() => keys.revoke('key_nope', 'x')).toThrow(/No API key/)
  })
})
