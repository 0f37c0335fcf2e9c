import crypto, { type KeyObject } from 'node:crypto'

/**
 * AES-256-GCM encryption at rest with a keyring.
 *
 * Stored blob = nonce (12 bytes, random) ‖ ciphertext ‖ tag (16 bytes). The key id is stored beside the
 * blob (its own column), so rows written under an older key stay readable once a new key is added and
 * can be found and re-encrypted by key rotation. Optional AAD binds a value to the row it lives in:
 * swapping two rows' blobs makes both fail authentication instead of silently exchanging values.
 */

const ALGORITHM = 'aes-256-gcm'
const NONCE_BYTES = 12
const TAG_BYTES = 16
const KEY_BYTES = 32

/** Why a blob could not be decrypted: the row names a key we do not have, is cut short, or fails its tag. */
export type DecryptionFailure = 'unknown_key' | 'malformed' | 'auth_failed'

export class DecryptionError extends Error {
  readonly reason: DecryptionFailure
  readonly keyId: string

  constructor(reason: DecryptionFailure, keyId: string, opts: { cause?: unknown } = {}) {
    super(
      reason === 'unknown_key'
        ? `no key with id ${keyId} in the keyring`
        : reason === 'malformed'
          ? 'encrypted value is too short to be valid'
          : 'encrypted value failed authentication (tampered, moved, or wrong key)',
      { cause: opts.cause },
    )
    this.name = 'DecryptionError'
    this.reason = reason
    this.keyId = keyId
  }
}

export const isDecryptionError = (e: unknown): e is DecryptionError => e instanceof DecryptionError

export type Sealed = { keyId: string; value: Buffer }

export type Keyring = {
  /** key id new values are written under */
  readonly currentKeyId: string
  /** every key id this keyring can decrypt */
  readonly keyIds: readonly string[]
  /** false only for the benchmark-only plaintext keyring */
  readonly encrypts: boolean
  encrypt(plaintext: Buffer, aad?: Buffer): Sealed
  /** throws DecryptionError */
  decrypt(keyId: string, blob: Buffer, aad?: Buffer): Buffer
}

/** First 8 hex chars of sha256(key): enough to tell a handful of keys apart, reveals nothing usable. */
export function keyIdOf(key: Buffer): string {
  return crypto.createHash('sha256').update(key).digest('hex').slice(0, 8)
}

/**
 * Nonces come from a pre-filled random pool: one `randomFillSync` per 1024 nonces instead of one
 * `randomBytes(12)` per value, which measured as costly as the AES-GCM call itself. Every nonce is
 * still 96 fresh random bits, used once (the pool is refilled, never re-read).
 */
const POOL_NONCES = 1024
const noncePool = Buffer.alloc(NONCE_BYTES * POOL_NONCES)
let poolOffset = noncePool.length

function nextNonce(out: Buffer): void {
  if (poolOffset + NONCE_BYTES > noncePool.length) {
    crypto.randomFillSync(noncePool)
    poolOffset = 0
  }
  noncePool.copy(out, 0, poolOffset, poolOffset + NONCE_BYTES)
  // Zero the used bytes so a nonce can never be handed out twice, even by a future bug in the offset logic.
  noncePool.fill(0, poolOffset, poolOffset + NONCE_BYTES)
  poolOffset += NONCE_BYTES
}

function assertKey(key: Buffer, what: string): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new TypeError(`${what} must be ${KEY_BYTES} bytes, got ${Buffer.isBuffer(key) ? key.length : typeof key}`)
  }
}

/**
 * Builds a keyring that encrypts with `current` and decrypts with `current` or any of `previous`.
 * Keys are turned into KeyObjects once: createCipheriv with a KeyObject skips re-validating and
 * copying a raw key buffer on every call.
 */
export function createKeyring(opts: { current: Buffer; previous?: Buffer[] }): Keyring {
  assertKey(opts.current, 'current encryption key')
  const keys = new Map<string, KeyObject>()
  const currentKeyId = keyIdOf(opts.current)
  const currentKey = crypto.createSecretKey(opts.current)
  keys.set(currentKeyId, currentKey)
  for (const [i, k] of (opts.previous ?? []).entries()) {
    assertKey(k, `previous encryption key #${i + 1}`)
    const id = keyIdOf(k)
    if (!keys.has(id)) keys.set(id, crypto.createSecretKey(k))
  }

  const encrypt = (plaintext: Buffer, aad?: Buffer): Sealed => {
    const out = Buffer.allocUnsafe(NONCE_BYTES + plaintext.length + TAG_BYTES)
    nextNonce(out)
    const cipher = crypto.createCipheriv(ALGORITHM, currentKey, out.subarray(0, NONCE_BYTES))
    if (aad) cipher.setAAD(aad)
    const body = cipher.update(plaintext)
    // GCM is a stream mode: update() returns every ciphertext byte and final() returns none.
    body.copy(out, NONCE_BYTES)
    cipher.final()
    cipher.getAuthTag().copy(out, NONCE_BYTES + plaintext.length)
    return { keyId: currentKeyId, value: out }
  }

  return {
    currentKeyId,
    keyIds: [...keys.keys()],
    encrypts: true,
    encrypt,
    decrypt(keyId, blob, aad) {
      const key = keys.get(keyId)
      if (!key) throw new DecryptionError('unknown_key', keyId)
      if (blob.length < NONCE_BYTES + TAG_BYTES) throw new DecryptionError('malformed', keyId)
      try {
        const decipher = crypto.createDecipheriv(ALGORITHM, key, blob.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES })
        if (aad) decipher.setAAD(aad)
        decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES))
        const body = decipher.update(blob.subarray(NONCE_BYTES, blob.length - TAG_BYTES))
        decipher.final()
        return body
      } catch (e) {
        throw new DecryptionError('auth_failed', keyId, { cause: e })
      }
    },
  }
}

/** Key id stored on rows written by the plaintext keyring; no real keyring ever produces it (not hex). */
export const PLAINTEXT_KEY_ID = 'plain'

/**
 * FOR BENCHMARKS ONLY: stores values unencrypted, to measure what encryption costs. Nothing in the
 * gateway builds one; a real keyring refuses its rows (unknown key id), so they cannot leak into use.
 */
export function createPlaintextKeyringForBenchmark(): Keyring {
  return {
    currentKeyId: PLAINTEXT_KEY_ID,
    keyIds: [PLAINTEXT_KEY_ID],
    encrypts: false,
    encrypt: (plaintext) => ({ keyId: PLAINTEXT_KEY_ID, value: plaintext }),
    decrypt(keyId, blob) {
      if (keyId !== PLAINTEXT_KEY_ID) throw new DecryptionError('unknown_key', keyId)
      return blob
    },
  }
}

/** Decodes a 32-byte key given as hex (64 chars) or base64/base64url (43–44 chars). */
export function decodeKeyText(text: string): Buffer {
  const s = text.trim()
  const key = /^[0-9a-fA-F]{64}$/.test(s)
    ? Buffer.from(s, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(s)
      ? Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
      : null
  if (key?.length !== KEY_BYTES) throw new TypeError('encryption key must be 32 bytes given as base64 or hex')
  return key
}
