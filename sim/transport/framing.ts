/**
 * WhatsApp Web framing: every frame is a 3-byte big-endian length followed by the payload. The client
 * opens with an intro: optional `ED 00 01 <len:3> <routingInfo>` and then `WA 06 03` (NOISE_WA_HEADER).
 * The server sends no intro.
 */
import { NOISE_WA_HEADER } from '@whiskeysockets/baileys'

export const MAX_FRAME = 0xffffff

export const encodeFrame = (payload: Uint8Array): Buffer => {
  if (payload.byteLength > MAX_FRAME) throw new Error(`frame too large: ${payload.byteLength} bytes`)
  const out = Buffer.allocUnsafe(3 + payload.byteLength)
  out.writeUIntBE(payload.byteLength, 0, 3)
  out.set(payload, 3)
  return out
}

/** Incremental reader: feed it WebSocket messages, get back complete frames. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0)
  private introDone = false
  /** routing info the client sent in the `ED` intro, if any */
  routingInfo: Buffer | undefined

  /** Throws on a malformed intro. */
  push(data: Buffer): Buffer[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, data]) : data
    if (!this.introDone && !this.readIntro()) return []
    const frames: Buffer[] = []
    while (this.pending.length >= 3) {
      const size = this.pending.readUIntBE(0, 3)
      if (this.pending.length < size + 3) break
      frames.push(this.pending.subarray(3, size + 3))
      this.pending = this.pending.subarray(size + 3)
    }
    return frames
  }

  private readIntro(): boolean {
    const buf = this.pending
    let offset = 0
    if (buf.length >= 2 && buf[0] === 0x45 && buf[1] === 0x44) {
      // 'ED' 0x00 0x01 <3-byte length> <routing info>
      if (buf.length < 7) return false
      const len = buf.readUIntBE(4, 3)
      if (buf.length < 7 + len) return false
      this.routingInfo = Buffer.from(buf.subarray(7, 7 + len))
      offset = 7 + len
    }
    if (buf.length < offset + NOISE_WA_HEADER.length) return false
    const header = buf.subarray(offset, offset + NOISE_WA_HEADER.length)
    if (!header.equals(Buffer.from(NOISE_WA_HEADER))) {
      throw new Error(`bad WA intro header ${header.toString('hex')}`)
    }
    this.pending = buf.subarray(offset + NOISE_WA_HEADER.length)
    this.introDone = true
    return true
  }
}
