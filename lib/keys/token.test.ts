import { describe, expect, it } from 'vitest'
import { allows, scopesForRole } from './scopes'
import { generateKey, hashKey, prefixOf, sameHash, sameSecret } from './token'

describe('API key tokens', () => {
  it('have a recognisable prefix, ~256 random bits, and only their prefix and hash are derived', () => {
    const a = generateKey()
    const b = generateKey()
    expect(a.key).toMatch(/^wag_[a-z0-9]{10}_[A-Za-z0-9]{43}$/)
    expect(a.key.startsWith(a.prefix)).toBe(true)
    expect(a.prefix).toHaveLength(14)
    expect(a.hash).toBe(hashKey(a.key))
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(a.key).not.toBe(b.key)
    expect(a.prefix).not.toBe(b.prefix)
  })

  it('parse only our shape', () => {
    const { key, prefix } = generateKey()
    expect(prefixOf(key)).toBe(prefix)
    expect(prefixOf(`${key}x`)).toBeNull()
    expect(prefixOf(key.replace('wag_', 'wak_'))).toBeNull()
    expect(prefixOf('')).toBeNull()
    expect(prefixOf('wag_abc')).toBeNull()
  })

  it('compare hashes and secrets exactly', () => {
    const { key, hash } = generateKey()
    expect(sameHash(hash, hashKey(key))).toBe(true)
    // One character changed (never to itself: a key ending in 'A' made this test fail 1 time in 62).
    const changed = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`
    expect(changed).not.toBe(key)
    expect(sameHash(hash, hashKey(changed))).toBe(false)
    expect(sameHash(hash, '')).toBe(false)
    expect(sameSecret('a'.repeat(40), 'a'.repeat(40))).toBe(true)
    expect(sameSecret('a'.repeat(40), 'a'.repeat(41))).toBe(false)
  })
})

describe('scopes', () => {
  it('admin allows everything; other scopes only themselves', () => {
    expect(allows(['admin'], 'webhooks:manage')).toBe(true)
    expect(allows(['accounts:read'], 'accounts:read')).toBe(true)
    expect(allows(['accounts:manage'], 'accounts:read')).toBe(false)
    expect(allows([], 'accounts:read')).toBe(false)
  })

  it('viewers read, admins do everything', () => {
    expect(scopesForRole('viewer')).toEqual(['accounts:read', 'messages:read'])
    expect(allows(scopesForRole('admin'), 'admin')).toBe(true)
  })
})
