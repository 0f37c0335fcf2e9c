import crypto from 'node:crypto'
import { syncBuiltinESMExports } from 'node:module'

/**
 * Node 24's `createHmac`, `createCipheriv` and `createDecipheriv` ask "is this key a KeyObject? a
 * CryptoKey?" by reading a private field and catching the TypeError it throws. With a Buffer key,
 * the way libsignal and Baileys call them for every Signal message and every Noise frame, that is
 * two thrown errors per call: ~11 µs for an HMAC instead of ~2 µs, 14–17 % of the gateway's thread
 * while it sends (docs/messages.md).
 *
 * `fastBufferKeys()` wraps those three functions so that a key given as bytes becomes a KeyObject
 * first (`createSecretKey` copies the bytes without that check), then calls Node's own function.
 * Same algorithm, same bytes, same output and the same errors for bad keys (lib/crypto/buffer-keys.test.ts);
 * strings, KeyObjects and CryptoKeys pass through untouched. `syncBuiltinESMExports` makes
 * `import { createHmac } from 'crypto'` (Baileys) see it as `require('crypto').createHmac`
 * (libsignal) does.
 *
 * Process-wide on purpose: the callers are in libraries the gateway runs unmodified. server.ts
 * installs it once (and the benchmarks' core, which composes the gateway as server.ts does); it can
 * be switched off with CRYPTO_FAST_BUFFER_KEYS=false. The simulator runs without it. Remove it once
 * Node answers the check without throwing (docs/upstream.md).
 */
type Wrapped = 'createHmac' | 'createCipheriv' | 'createDecipheriv'
const WRAPPED: Wrapped[] = ['createHmac', 'createCipheriv', 'createDecipheriv']
const originals = new Map<Wrapped, (...args: never[]) => unknown>()

/** bytes that are not already a key object: what Node's check is slow for */
function asKey(key: unknown): unknown {
  if (!ArrayBuffer.isView(key)) return key
  // createSecretKey takes any length but DataView; leave anything unusual to Node's own path
  if (key instanceof DataView) return key
  return crypto.createSecretKey(key as NodeJS.TypedArray)
}

export function fastBufferKeys(): boolean {
  if (originals.size > 0) return false
  const mod = crypto as unknown as Record<Wrapped, (...args: unknown[]) => unknown>
  for (const name of WRAPPED) {
    const original = mod[name]
    originals.set(name, original)
    const wrapped = (algorithm: unknown, key: unknown, ...rest: unknown[]) => original(algorithm, asKey(key), ...rest)
    Object.defineProperty(wrapped, 'name', { value: name })
    mod[name] = wrapped
  }
  syncBuiltinESMExports()
  return true
}

/** Whether the wrapping is in place in this process (by any caller). */
export const bufferKeysInstalled = (): boolean => originals.size > 0

/** Puts Node's own functions back (tests). */
export function restoreBufferKeys(): void {
  if (originals.size === 0) return
  const mod = crypto as unknown as Record<Wrapped, unknown>
  for (const [name, original] of originals) mod[name] = original
  originals.clear()
  syncBuiltinESMExports()
}
