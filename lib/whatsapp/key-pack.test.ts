import { describe, expect, it } from 'vitest'
import { decodePack, encodePack, MalformedPackError, packEntryKey } from '@/lib/whatsapp/key-pack'

const entries = [
  { type: 'pre-key', id: '1', bytes: '{"a":"é"}' },
  { type: 'pre-key', id: '2', bytes: Buffer.from('{"b":2}') },
  { type: 'pre-key', id: '3', bytes: '' },
]

describe('key packs', () => {
  it('round-trips text and byte values by (type, id), multi-byte UTF-8 included', () => {
    const pack = decodePack(encodePack(entries))
    expect(pack.size).toBe(3)
    expect(pack.get('pre-key', '1')?.toString('utf8')).toBe('{"a":"é"}')
    expect(pack.get('pre-key', '2')?.toString('utf8')).toBe('{"b":2}')
    expect(pack.get('pre-key', '3')?.length).toBe(0)
    expect(pack.get('pre-key', '4')).toBeUndefined()
    expect(pack.get('session', '1')).toBeUndefined()
  })

  it('drops entries without touching the others, and answers null when none would remain', () => {
    const pack = decodePack(encodePack(entries))
    const rest = decodePack(pack.without(new Set([packEntryKey('pre-key', '1')])) ?? Buffer.alloc(0))
    expect(rest.size).toBe(2)
    expect(rest.get('pre-key', '1')).toBeUndefined()
    expect(rest.get('pre-key', '2')?.toString('utf8')).toBe('{"b":2}')
    expect(pack.without(new Set(entries.map((e) => packEntryKey(e.type, e.id))))).toBeNull()
  })

  it('refuses plaintext that is not a well-formed pack', () => {
    const good = encodePack(entries)
    const header = (n: number) => {
      const b = Buffer.alloc(4)
      b.writeUInt32BE(n)
      return b
    }
    const bad = [
      Buffer.alloc(2),
      Buffer.concat([header(1000), Buffer.from('[]')]),
      Buffer.concat([header(3), Buffer.from('nop')]),
      Buffer.concat([header(2), Buffer.from('{}')]),
      Buffer.concat([header(11), Buffer.from('[["x","y"]]')]),
      Buffer.concat([header(14), Buffer.from('[["x","y",99]]'), Buffer.from('short')]),
      Buffer.concat([good, Buffer.from('trailing')]),
    ]
    for (const b of bad) expect(() => decodePack(b)).toThrow(MalformedPackError)
  })
})
