/**
 * How the auth state writes a creds or key value: Baileys' BufferJSON text, produced without its
 * per-node replacer callback (lib/whatsapp/auth-state.ts seals what this returns).
 */
import { BufferJSON } from '@whiskeysockets/baileys'

const USE_REPLACER = Symbol('use-replacer')

/**
 * The value in the shape JSON.stringify(value, BufferJSON.replacer) would give it — binary data as
 * {type: 'Buffer', data: base64} — copying only the objects on the way to a Buffer. Anything whose
 * serialisation we do not replicate exactly (class instances such as protos, toJSON, objects already
 * shaped like a Buffer, very deep or cyclic values) answers USE_REPLACER instead.
 */
function bufferJsonShape(v: unknown, depth: number): unknown {
  if (typeof v !== 'object' || v === null) return v
  if (v instanceof Uint8Array) {
    return { type: 'Buffer', data: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') }
  }
  if (depth > 32) return USE_REPLACER
  if (Array.isArray(v)) {
    let copy: unknown[] | undefined
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i]
      const shaped = bufferJsonShape(item, depth + 1)
      if (shaped === USE_REPLACER) return USE_REPLACER
      if (shaped !== item) (copy ??= v.slice())[i] = shaped
    }
    return copy ?? v
  }
  const proto: unknown = Object.getPrototypeOf(v)
  if (proto !== Object.prototype && proto !== null) return USE_REPLACER
  const record = v as Record<string, unknown>
  if (typeof record.toJSON === 'function' || record.type === 'Buffer') return USE_REPLACER
  let copy: Record<string, unknown> | undefined
  for (const k of Object.keys(record)) {
    const item = record[k]
    const shaped = bufferJsonShape(item, depth + 1)
    if (shaped === USE_REPLACER) return USE_REPLACER
    if (shaped !== item) (copy ??= { ...record })[k] = shaped
  }
  return copy ?? v
}

/**
 * A curve key pair ({private, public}, both binary, in that order: what Curve.generateKeyPair gives
 * and every pre-key is) written straight as text, ~4× faster than shaping and stringifying it:
 * it was a third of the first-login pre-key write. Anything else answers undefined.
 */
function keyPairText(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Object.getPrototypeOf(v) !== Object.prototype) return undefined
  const pair = v as { private?: unknown; public?: unknown }
  if (!(pair.private instanceof Uint8Array) || !(pair.public instanceof Uint8Array)) return undefined
  const keys = Object.keys(pair)
  if (keys.length !== 2 || keys[0] !== 'private' || keys[1] !== 'public') return undefined
  const b64 = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64')
  return `{"private":{"type":"Buffer","data":"${b64(pair.private)}"},"public":{"type":"Buffer","data":"${b64(pair.public)}"}}`
}

/**
 * Baileys' BufferJSON format, byte for byte. The replacer is a JS callback run for every node of the
 * value (and Buffers first go through toJSON into arrays of numbers); for a ~1.5 KB libsignal session
 * that was most of the cost of a write. Values are pre-shaped instead and stringified without it.
 */
export function serializeAuthValueText(value: unknown): string {
  const pair = keyPairText(value)
  if (pair !== undefined) return pair
  const shaped = bufferJsonShape(value, 0)
  return shaped === USE_REPLACER ? JSON.stringify(value, BufferJSON.replacer) : JSON.stringify(shaped)
}

export const serializeAuthValue = (value: unknown): Buffer => Buffer.from(serializeAuthValueText(value), 'utf8')
