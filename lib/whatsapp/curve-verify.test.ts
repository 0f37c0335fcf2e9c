import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { createRequire } from 'node:module'
import { Curve } from '@whiskeysockets/baileys'
import { describe, expect, it } from 'vitest'
import { probeCurve25519Native } from './curve-verify'

const require = createRequire(import.meta.url)
type CurveJs = { verify: (publicKey: Uint8Array, msg: Uint8Array, signature: Uint8Array) => boolean }

/** the curve25519-js module object libsignal got, as Baileys loads libsignal */
function libsignalsCurveJs(): { file: string; mod: CurveJs } {
  const curve = require.resolve('libsignal/src/curve.js', { paths: [path.dirname(require.resolve('@whiskeysockets/baileys'))] })
  const file = require.resolve('curve25519-js', { paths: [path.dirname(curve)] })
  return { file, mod: require(file) as CurveJs }
}

describe('curve25519-native under Baileys (canary: when this fails after an upgrade, re-check packages/curve25519-native)', () => {
  it("is the curve25519-js libsignal resolves from Baileys, and Baileys' Curve.verify runs its verify", () => {
    const { file, mod } = libsignalsCurveJs()
    // by name: in a git worktree node_modules links to the main checkout's copy of the package
    expect((require(path.join(path.dirname(file), 'package.json')) as { name: string }).name).toBe('curve25519-native')
    const keys = Curve.generateKeyPair()
    const message = randomBytes(32)
    const signature = Curve.sign(keys.private, message)
    // libsignal reads `verify` off the module object at each call: count the calls that arrive here
    const original = mod.verify
    let calls = 0
    mod.verify = (...args) => {
      calls++
      return original(...args)
    }
    try {
      expect(Curve.verify(keys.public, message, signature)).toBe(true)
    } finally {
      mod.verify = original
    }
    expect(calls).toBe(1)
  })

  it('the start-time check says it engaged', () => {
    expect(probeCurve25519Native()).toEqual({ engaged: true })
  })
})
