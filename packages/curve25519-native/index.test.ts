import { createRequire } from 'node:module'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'

// The package is CommonJS (libsignal requires it); load both it and the original the same way.
const require = createRequire(import.meta.url)

type Curve25519 = {
  generateKeyPair(seed: Uint8Array): { public: Uint8Array; private: Uint8Array }
  sign(secretKey: Uint8Array, msg: Uint8Array, random?: Uint8Array): Uint8Array
  verify(publicKey: Uint8Array, msg: Uint8Array, signature: Uint8Array): boolean
}
type LibsignalCurve = {
  generateKeyPair(): { pubKey: Buffer; privKey: Buffer }
  calculateSignature(privKey: Buffer, message: Buffer): Buffer
  verifySignature(pubKey: Buffer, msg: Buffer, sig: Buffer): boolean
}

const native = require('./index.js') as Curve25519
const original = require('curve25519-js-original') as Curve25519

function flipBit(bytes: Uint8Array, bit: number): Buffer {
  const copy = Buffer.from(bytes)
  copy[Math.floor(bit / 8) % copy.length]! ^= 1 << (bit % 8)
  return copy
}

describe('curve25519-native', () => {
  it('is the curve25519-js that libsignal (and so Baileys) loads', () => {
    const libsignalCurve = require.resolve('libsignal/src/curve.js')
    const resolved = require.resolve('curve25519-js', { paths: [libsignalCurve] })
    // by name, not path: in a git worktree node_modules links to the main checkout's copy
    expect((require(path.join(path.dirname(resolved), 'package.json')) as { name: string }).name).toBe('curve25519-native')
    // lib/whatsapp/curve-verify.test.ts checks that Baileys' Curve.verify really arrives in this verify()
  })

  it('gives the original verify()’s answer for valid and tampered signatures', () => {
    let valid = 0
    let refused = 0
    for (let i = 0; i < 150; i++) {
      const keys = original.generateKeyPair(randomBytes(32))
      const msg = randomBytes(1 + ((i * 37) % 300))
      const sig = original.sign(keys.private, msg, i % 2 === 0 ? randomBytes(64) : undefined)
      const cases: [Uint8Array, Uint8Array, Uint8Array][] = [
        [keys.public, msg, sig],
        [keys.public, flipBit(msg, i * 7), sig],
        [keys.public, msg, flipBit(sig, i * 13)],
        [flipBit(keys.public, i * 11), msg, sig],
        [original.generateKeyPair(randomBytes(32)).public, msg, sig],
      ]
      for (const [key, m, s] of cases) {
        const expected = original.verify(key, m, s)
        expect(native.verify(key, m, s)).toBe(expected)
        if (expected) valid++
        else refused++
      }
    }
    // Every honest signature verifies; the tampered ones (all but a flip of the key's ignored top bit) fail.
    expect(valid).toBeGreaterThanOrEqual(150)
    expect(refused).toBeGreaterThanOrEqual(150 * 3)
  })

  it('verifies what libsignal signs, through libsignal', () => {
    const curve = require('libsignal/src/curve.js') as LibsignalCurve
    const identity = curve.generateKeyPair()
    const message = randomBytes(33)
    const signature = curve.calculateSignature(identity.privKey, message)
    expect(curve.verifySignature(identity.pubKey, message, signature)).toBe(true)
    expect(curve.verifySignature(identity.pubKey, flipBit(message, 3), signature)).toBe(false)
  })

  it('leaves its inputs untouched', () => {
    const keys = original.generateKeyPair(randomBytes(32))
    const msg = randomBytes(64)
    const sig = original.sign(keys.private, msg, randomBytes(64))
    const [k, m, s] = [Buffer.from(keys.public), Buffer.from(msg), Buffer.from(sig)]
    expect(native.verify(keys.public, msg, sig)).toBe(true)
    expect(native.verify(keys.public, msg, flipBit(sig, 511))).toBe(false)
    expect([Buffer.from(keys.public), Buffer.from(msg), Buffer.from(sig)]).toEqual([k, m, s])
  })

  it('refuses bad arguments as the original does', () => {
    const keys = original.generateKeyPair(randomBytes(32))
    const msg = randomBytes(10)
    const sig = original.sign(keys.private, msg)
    expect(() => native.verify(keys.public, msg, sig.subarray(0, 63))).toThrow('wrong signature length')
    expect(() => native.verify(keys.public.subarray(0, 31), msg, sig)).toThrow('wrong public key length')
    expect(() => native.verify(keys.public, 'text' as unknown as Uint8Array, sig)).toThrow(TypeError)
  })
})
