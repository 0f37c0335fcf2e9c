import { describe, expect, it } from 'vitest'
import { judgeMediaHost } from './media-hosts'
import { servedMediaHeaders } from './serve'

describe('servedMediaHeaders', () => {
  it('serves images, audio and video inline with their sniffed type', () => {
    const h = servedMediaHeaders({ sniffedType: 'image/jpeg', size: 10, fileName: 'a.jpg' })
    expect(h).toMatchObject({
      'content-type': 'image/jpeg',
      'x-content-type-options': 'nosniff',
    })
    expect(h['content-disposition']).toMatch(/^inline; /)
  })

  it('serves everything else, unknown bytes and SVG as an attachment', () => {
    for (const sniffedType of ['application/pdf', null, 'image/svg+xml', 'text/html']) {
      const h = servedMediaHeaders({ sniffedType, size: 10, fileName: 'x "evil".html' })
      expect(h['content-disposition'], String(sniffedType)).toMatch(/^attachment; filename="x _evil_.html"/)
      expect(h['content-type']).toBe(sniffedType ?? 'application/octet-stream')
    }
  })
})

describe('judgeMediaHost', () => {
  it("allows Baileys' default host and the announced hosts only; unknown without an announcement", () => {
    expect(judgeMediaHost('mmg.whatsapp.net', undefined)).toBe('allowed')
    expect(judgeMediaHost('127.0.0.1:4431', undefined)).toBe('unknown')
    expect(judgeMediaHost('127.0.0.1:4431', ['127.0.0.1:4431'])).toBe('allowed')
    expect(judgeMediaHost('127.0.0.1:4432', ['127.0.0.1:4431'])).toBe('forbidden')
    expect(judgeMediaHost('MMG.whatsapp.net', [])).toBe('allowed')
  })
})
