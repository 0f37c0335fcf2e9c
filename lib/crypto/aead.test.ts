import crypto from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createKeyring, decodeKeyText, DecryptionError, keyIdOf } from '@/lib/crypto/aead'

const keyA = crypto.randomBytes(32)
const keyB = crypto.randomBytes(32)
const text = Buffer.from('{"noiseKey":"secret material"}')
const aad = Buffer.from('wa_keys\u0000acct-1\u0000session\u00001.0')

function decryptError(fn: () => unknown): DecryptionError {
  try {
    fn()
  } catch (e) {
    if (e instanceof DecryptionError) return e
    throw e
  }
  throw new Error('expected a DecryptionError')
}

describe('createKeyring', () => {
  it('round-trips a value and stores nonce ‖ ciphertext ‖ tag under the current key id', () => {
    const ring = createKeyring({ current: keyA })
    const sealed = ring.encrypt(text, aad)
    expect(sealed.keyId).toBe(keyIdOf(keyA))
    expect(sealed.keyId).toMatch(/^[0-9a-f]{8}$/)
    expect(sealed.value.length).toBe(12 + text.length + 16)
    expect(sealed.value.includes(text)).toBe(false)
    expect(ring.decrypt(sealed.keyId, sealed.value, aad).equals(text)).toBe(true)
  })

  it('uses a fresh nonce every time, so equal plaintexts give different blobs', () => {
    const ring = createKeyring({ current: keyA })
    const blobs = Array.from({ length: 2000 }, () => ring.encrypt(text).value)
    const nonces = new Set(blobs.map((b) => b.subarray(0, 12).toString('hex')))
    expect(nonces.size).toBe(blobs.length)
  })

  it('decrypts rows written under a previous key and encrypts only with the current one', () => {
    const old = createKeyring({ current: keyA }).encrypt(text, aad)
    const ring = createKeyring({ current: keyB, previous: [keyA] })
    expect(ring.keyIds).toEqual([keyIdOf(keyB), keyIdOf(keyA)])
    expect(ring.decrypt(old.keyId, old.value, aad).equals(text)).toBe(true)
    expect(ring.encrypt(text).keyId).toBe(keyIdOf(keyB))
  })

  it('refuses a key id it does not hold', () => {
    const sealed = createKeyring({ current: keyA }).encrypt(text)
    const err = decryptError(() => createKeyring({ current: keyB }).decrypt(sealed.keyId, sealed.value))
    expect(err.reason).toBe('unknown_key')
  })

  it('rejects a tampered blob, a wrong AAD and a truncated blob', () => {
    const ring = createKeyring({ current: keyA })
    const sealed = ring.encrypt(text, aad)
    const flipped = Buffer.from(sealed.value)
    flipped[20] = (flipped[20] ?? 0) ^ 1
    expect(decryptError(() => ring.decrypt(sealed.keyId, flipped, aad)).reason).toBe('auth_failed')
    const otherRow = Buffer.from('wa_keys\u0000acct-1\u0000session\u00002.0')
    expect(decryptError(() => ring.decrypt(sealed.keyId, sealed.value, otherRow)).reason).toBe('auth_failed')
    expect(decryptError(() => ring.decrypt(sealed.keyId, sealed.value.subarray(0, 20), aad)).reason).toBe('malformed')
  })

  it('does not decrypt a blob presented under another key id', () => {
    const sealed = createKeyring({ current: keyA }).encrypt(text)
    // A row whose key_id column was rewritten to the current id still needs the key it was sealed with.
    const ring = createKeyring({ current: keyB })
    expect(decryptError(() => ring.decrypt(ring.currentKeyId, sealed.value)).reason).toBe('auth_failed')
  })

  it('only accepts 32-byte keys', () => {
    expect(() => createKeyring({ current: crypto.randomBytes(16) })).toThrow(/32 bytes/)
    expect(() => createKeyring({ current: keyA, previous: [Buffer.alloc(31)] })).toThrow(/previous/)
  })
})

describe('decodeKeyText', () => {
  it('accepts base64, base64url and hex, and nothing else', () => {
    expect(decodeKeyText(keyA.toString('base64')).equals(keyA)).toBe(true)
    expect(decodeKeyText(keyA.toString('base64url')).equals(keyA)).toBe(true)
    expect(decodeKeyText(keyA.toString('hex')).equals(keyA)).toBe(true)
    expect(() => decodeKeyText(crypto.randomBytes(16).toString('base64'))).toThrow()
    expect(() => decodeKeyText('not a key')).toThrow()
  })
})
