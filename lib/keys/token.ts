import crypto from 'node:crypto'

/**
 * The shape of an API key: `wag_` + a 10-character public id + `_` + a 43-character secret
 * (base62, ~256 bits), e.g. `wag_k3j9x0q2mz_…`. The first 14 characters (the prefix) are stored and
 * shown; the whole key is stored only as its SHA-256. With 256 random bits a fast hash is safe: there
 * is nothing to guess, so a slow password hash would only slow every request down.
 */
export const KEY_PREFIX = 'wag_'
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const ID_LENGTH = 10
const SECRET_LENGTH = 43
const KEY_PATTERN = /^wag_([a-z0-9]{10})_([A-Za-z0-9]{43})$/

/** Uniformly random characters (rejection sampling, so no character is more likely than another). */
function randomString(alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length)
  let out = ''
  while (out.length < length) {
    for (const byte of crypto.randomBytes(length * 2)) {
      if (byte >= limit) continue
      out += alphabet.charAt(byte % alphabet.length)
      if (out.length === length) break
    }
  }
  return out
}

export type NewKey = { key: string; prefix: string; hash: string }

export function generateKey(): NewKey {
  const prefix = `${KEY_PREFIX}${randomString(ID_ALPHABET, ID_LENGTH)}`
  const key = `${prefix}_${randomString(SECRET_ALPHABET, SECRET_LENGTH)}`
  return { key, prefix, hash: hashKey(key) }
}

export function hashKey(key: string): string {
  return crypto.createHash('sha256').update(key).digest('hex')
}

/** The stored prefix of a well-formed key, or null when the text cannot be one of our keys. */
export function prefixOf(key: string): string | null {
  const m = KEY_PATTERN.exec(key)
  return m ? `${KEY_PREFIX}${m[1]}` : null
}

/** Compares two hex digests without an early exit. */
export function sameHash(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'hex')
  const bb = Buffer.from(b, 'hex')
  return ba.length === bb.length && ba.length > 0 && crypto.timingSafeEqual(ba, bb)
}

/** Compares two secrets of any length in constant time (their digests are compared). */
export function sameSecret(a: string, b: string): boolean {
  return crypto.timingSafeEqual(crypto.createHash('sha256').update(a).digest(), crypto.createHash('sha256').update(b).digest())
}
