import { NOISE_WA_HEADER } from '@whiskeysockets/baileys'
import { describe, expect, it } from 'vitest'
import { encodeFrame, FrameReader } from './framing'

describe('framing', () => {
  it('reads the intro, then frames split across and packed into messages', () => {
    const reader = new FrameReader()
    const a = encodeFrame(Buffer.from('hello'))
    const b = encodeFrame(Buffer.from('world!'))
    const stream = Buffer.concat([Buffer.from(NOISE_WA_HEADER), a, b])
    expect(reader.push(stream.subarray(0, 6))).toEqual([])
    const frames = reader.push(stream.subarray(6))
    expect(frames.map((f) => f.toString())).toEqual(['hello', 'world!'])
  })

  it('accepts the ED routing-info prefix', () => {
    const reader = new FrameReader()
    const routing = Buffer.from([1, 2, 3])
    const intro = Buffer.concat([Buffer.from('ED'), Buffer.from([0, 1, 0, 0, 3]), routing, Buffer.from(NOISE_WA_HEADER)])
    expect(reader.push(Buffer.concat([intro, encodeFrame(Buffer.from('x'))])).map((f) => f.toString())).toEqual(['x'])
    expect(reader.routingInfo).toEqual(routing)
  })

  it('rejects a wrong intro header', () => {
    expect(() => new FrameReader().push(Buffer.from('HTTP/1.1'))).toThrow(/bad WA intro/)
  })
})
