/**
 * One-time pre-keys a companion uploaded (812 on first login). Stored packed — 3-byte id + 32-byte key
 * per record in one Buffer — because a Map of 812 small Buffers per device would dominate the
 * simulator's memory at 1,000 devices.
 */
const RECORD = 35

export class PreKeyPool {
  private data: Buffer
  private head = 0
  private tail = 0

  constructor(packed?: Buffer) {
    this.data = packed ? Buffer.from(packed) : Buffer.alloc(0)
    this.tail = this.data.length
  }

  get size(): number {
    return (this.tail - this.head) / RECORD
  }

  add(keys: { id: number; publicKey: Uint8Array }[]): void {
    if (!keys.length) return
    const next = Buffer.allocUnsafe(this.tail - this.head + keys.length * RECORD)
    this.data.copy(next, 0, this.head, this.tail)
    let offset = this.tail - this.head
    for (const key of keys) {
      if (key.publicKey.length !== 32) throw new Error('pre-key must be 32 bytes')
      next.writeUIntBE(key.id, offset, 3)
      next.set(key.publicKey, offset + 3)
      offset += RECORD
    }
    this.data = next
    this.head = 0
    this.tail = offset
  }

  /** Hands out (and forgets) the oldest pre-key, as the server does for each bundle fetch. */
  take(): { keyId: number; publicKey: Buffer } | undefined {
    if (this.tail - this.head < RECORD) return undefined
    const keyId = this.data.readUIntBE(this.head, 3)
    const publicKey = Buffer.from(this.data.subarray(this.head + 3, this.head + RECORD))
    this.head += RECORD
    if (this.head === this.tail) {
      this.data = Buffer.alloc(0)
      this.head = this.tail = 0
    }
    return { keyId, publicKey }
  }

  /** packed form, for the state file */
  pack(): Buffer {
    return Buffer.from(this.data.subarray(this.head, this.tail))
  }
}
