/**
 * The plaintext of a key pack (see auth-writes.ts): several serialised signal-key values sealed by one
 * AES-GCM call.
 *
 *   [u32 BE: manifest length][manifest: JSON [[type, id, byteLength], …]][the values, in manifest order]
 *
 * The manifest is inside the sealed plaintext, so each value stays bound to its (type, id): a row
 * pointing at the wrong pack, or a value moved within a pack, is found out on read. Removing values
 * copies the others' bytes as they are, without parsing them.
 */

/** A value serialised as bytes, or as the JSON text those bytes encode in UTF-8. */
export type PackEntry = { type: string; id: string; bytes: Buffer | string }

const HEADER_BYTES = 4

export class MalformedPackError extends Error {
  constructor(what: string) {
    super(`key pack is malformed: ${what}`)
    this.name = 'MalformedPackError'
  }
}

/** How a pack names an entry: (type, id) as one string. */
export const packEntryKey = (type: string, id: string) => `${type}\u0000${id}`

/** Written straight into one buffer: text values are not turned into Buffers of their own first. */
export function encodePack(entries: readonly PackEntry[]): Buffer {
  const lengths = entries.map((e) => (typeof e.bytes === 'string' ? Buffer.byteLength(e.bytes, 'utf8') : e.bytes.length))
  const manifest = JSON.stringify(entries.map((e, i) => [e.type, e.id, lengths[i]]))
  const manifestBytes = Buffer.byteLength(manifest, 'utf8')
  const out = Buffer.allocUnsafe(HEADER_BYTES + manifestBytes + lengths.reduce((a, b) => a + b, 0))
  out.writeUInt32BE(manifestBytes, 0)
  let offset = HEADER_BYTES + out.write(manifest, HEADER_BYTES, 'utf8')
  for (const e of entries) {
    offset += typeof e.bytes === 'string' ? out.write(e.bytes, offset, 'utf8') : e.bytes.copy(out, offset)
  }
  return out
}

export type OpenPack = {
  readonly size: number
  /** The serialised value stored for (type, id), or undefined when the pack does not hold it. */
  get(type: string, id: string): Buffer | undefined
  /** The pack's plaintext without the given entries (keys from packEntryKey), or null when none would remain. */
  without(keys: ReadonlySet<string>): Buffer | null
}

/** Throws MalformedPackError when the plaintext is not a pack (it authenticated, so: a bug or a foreign format). */
export function decodePack(plain: Buffer): OpenPack {
  if (plain.length < HEADER_BYTES) throw new MalformedPackError('shorter than its header')
  const manifestEnd = HEADER_BYTES + plain.readUInt32BE(0)
  if (manifestEnd > plain.length) throw new MalformedPackError('manifest runs past the end')
  let manifest: unknown
  try {
    manifest = JSON.parse(plain.toString('utf8', HEADER_BYTES, manifestEnd))
  } catch {
    throw new MalformedPackError('manifest is not JSON')
  }
  if (!Array.isArray(manifest)) throw new MalformedPackError('manifest is not a list')
  const slots = new Map<string, { start: number; end: number; type: string; id: string }>()
  let offset = manifestEnd
  for (const item of manifest as unknown[]) {
    if (!Array.isArray(item) || item.length !== 3) throw new MalformedPackError('manifest entry is not [type, id, length]')
    const [type, id, length] = item as unknown[]
    if (typeof type !== 'string' || typeof id !== 'string' || !Number.isSafeInteger(length) || (length as number) < 0) {
      throw new MalformedPackError('manifest entry is not [type, id, length]')
    }
    const end = offset + (length as number)
    if (end > plain.length) throw new MalformedPackError('values run past the end')
    slots.set(packEntryKey(type, id), { start: offset, end, type, id })
    offset = end
  }
  if (offset !== plain.length) throw new MalformedPackError('bytes left over after the last value')

  return {
    size: slots.size,
    get(type, id) {
      const slot = slots.get(packEntryKey(type, id))
      return slot && plain.subarray(slot.start, slot.end)
    },
    without(keys) {
      const kept: PackEntry[] = []
      for (const [key, slot] of slots) {
        if (!keys.has(key)) kept.push({ type: slot.type, id: slot.id, bytes: plain.subarray(slot.start, slot.end) })
      }
      return kept.length ? encodePack(kept) : null
    },
  }
}
