import { execFileSync } from 'node:child_process'
import crypto, { createHmac as importedHmac } from 'node:crypto'
import { createRequire } from 'node:module'
import { afterEach, describe, expect, it } from 'vitest'
import { bufferKeysInstalled, fastBufferKeys, restoreBufferKeys } from './buffer-keys'

const require = createRequire(import.meta.url)
const original = { createHmac: crypto.createHmac, createCipheriv: crypto.createCipheriv, createDecipheriv: crypto.createDecipheriv }

type Outcome = { ok: string } | { error: string | undefined; kind: string }
function outcome(fn: () => Buffer): Outcome {
  try {
    return { ok: fn().toString('hex') }
  } catch (err) {
    return { error: (err as { code?: string }).code, kind: (err as Error).constructor.name }
  }
}

/** what a Signal message and a Noise frame do, with the key in every form a caller may pass */
function work(key: unknown, iv: Buffer, data: Buffer): Outcome[] {
  const k = key as Buffer
  return [
    outcome(() => crypto.createHmac('sha256', k).update(data).digest()),
    outcome(() => {
      const c = crypto.createCipheriv('aes-256-gcm', k, iv.subarray(0, 12))
      return Buffer.concat([c.update(data), c.final(), c.getAuthTag()])
    }),
    outcome(() => {
      const c = crypto.createCipheriv('aes-256-cbc', k, iv)
      const enc = Buffer.concat([c.update(data), c.final()])
      const d = crypto.createDecipheriv('aes-256-cbc', k, iv)
      return Buffer.concat([d.update(enc), d.final()])
    }),
  ]
}

afterEach(() => restoreBufferKeys())

describe('Node as it runs the gateway (canary: when this fails after a Node upgrade, the work-around can go)', () => {
  it('answers "is this byte key a KeyObject? a CryptoKey?" by catching a thrown error, in createHmac and createCipheriv', () => {
    // Node's own source of the checks (what docs/upstream.md tells to re-read on each Node update)
    const source = execFileSync(
      process.execPath,
      [
        '--expose-internals',
        '-p',
        "const k = require('internal/crypto/keys'); [k.isKeyObject, k.isCryptoKey, k.prepareSecretKey].map(String).join('\\n')",
      ],
      { encoding: 'utf8' },
    )
    const [isKeyObject, isCryptoKey] = source.split(/\n(?=function )/)
    for (const check of [isKeyObject, isCryptoKey]) expect(check).toMatch(/try\s*\{[\s\S]*\}\s*catch\b/)
    expect(source).toMatch(/isKeyObject\(key\)[\s\S]*isCryptoKey\(key\)/) // prepareSecretKey asks both, a Buffer failing each
  })
})

describe('fastBufferKeys (KeyObjects for byte keys in createHmac/createCipheriv/createDecipheriv)', () => {
  it('gives the same bytes and the same errors as Node for keys of every form and length', () => {
    const iv = crypto.randomBytes(16)
    const data = crypto.randomBytes(100)
    const k32 = crypto.randomBytes(32)
    const keys: unknown[] = [
      k32,
      new Uint8Array(k32),
      Buffer.concat([Buffer.alloc(7), k32]).subarray(7), // a view with an offset
      Buffer.alloc(0), // HMAC takes it, the ciphers refuse it
      crypto.randomBytes(5), // wrong length for AES-256
      crypto.randomBytes(100), // longer than HMAC's block
      'a string key',
      crypto.createSecretKey(k32),
      new DataView(k32.buffer, k32.byteOffset, 32),
      undefined,
      42,
    ]
    const before = keys.map((k) => work(k, iv, data))
    expect(fastBufferKeys()).toBe(true)
    const after = keys.map((k) => work(k, iv, data))
    expect(after).toEqual(before)
    // the case that matters produced output, not just equal errors
    expect(after[0]?.every((o) => 'ok' in o)).toBe(true)
    expect(after[3]?.[0]).toHaveProperty('ok')
    expect(after[4]?.[1]).toMatchObject({ error: 'ERR_CRYPTO_INVALID_KEYLEN' })
  })

  it('is what ES-module imports and require() see, until restored', () => {
    expect(bufferKeysInstalled()).toBe(false)
    expect(fastBufferKeys()).toBe(true)
    expect(fastBufferKeys()).toBe(false) // once per process
    expect(bufferKeysInstalled()).toBe(true)
    const cjs = require('node:crypto') as typeof crypto
    expect(cjs.createHmac).not.toBe(original.createHmac)
    expect(importedHmac).toBe(cjs.createHmac) // a live binding, synced
    expect(cjs.createCipheriv.name).toBe('createCipheriv')
    restoreBufferKeys()
    expect(bufferKeysInstalled()).toBe(false)
    expect(cjs.createHmac).toBe(original.createHmac)
    expect(importedHmac).toBe(original.createHmac)
    expect(cjs.createDecipheriv).toBe(original.createDecipheriv)
  })

  it('keeps streaming use: an Hmac and a Cipheriv made with byte keys still work as streams', async () => {
    fastBufferKeys()
    const key = crypto.randomBytes(32)
    const hmac = crypto.createHmac('sha256', key)
    hmac.end('streamed')
    const streamed = await new Promise<Buffer>((resolve) => hmac.once('readable', () => resolve(hmac.read() as Buffer)))
    restoreBufferKeys()
    expect(streamed).toEqual(crypto.createHmac('sha256', key).update('streamed').digest())
  })
})
