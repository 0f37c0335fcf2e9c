import crypto from 'node:crypto'
import { Readable } from 'node:stream'
import { getMediaKeys } from '@whiskeysockets/baileys'
import { describe, expect, it } from 'vitest'
import { AppError } from '@/lib/errors'
import { DEFAULT_MEDIA_HOST, encryptedLength, mediaDecipher, mediaDownloadUrl } from './media-download'

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (err) {
    return err instanceof AppError ? err.code : 'not an AppError'
  }
  return undefined
}

describe('mediaDownloadUrl: the URL Baileys would fetch, only when it is a plain https media URL', () => {
  it('puts the direct path behind the host of url, or the default host', () => {
    expect(
      mediaDownloadUrl({ url: 'https://mmg.whatsapp.net/o1/v/x.enc?a=b', directPath: '/v/t62.7118-24/1_n.enc?ccb=11-4&oh=01' }).href,
    ).toBe('https://mmg.whatsapp.net/v/t62.7118-24/1_n.enc?ccb=11-4&oh=01')
    expect(mediaDownloadUrl({ url: 'https://127.0.0.1:4431/v/t62/a.enc', directPath: '/v/t62/b.enc' }).host).toBe('127.0.0.1:4431')
    expect(mediaDownloadUrl({ url: null, directPath: '/v/t62/b.enc' }).host).toBe(DEFAULT_MEDIA_HOST)
    expect(mediaDownloadUrl({ url: 'https://media.example/x.enc', directPath: null }).host).toBe('media.example')
  })

  it('refuses direct paths that could name another authority, and non-https or credentialed URLs', () => {
    for (const directPath of [
      '//evil.example/x',
      '/a//b',
      '/x@evil.example/y',
      '/a\\b',
      'https://evil.example/x',
      'v/t62/x',
      '/a b',
      '/a#b',
    ]) {
      expect(
        codeOf(() => mediaDownloadUrl({ url: null, directPath })),
        directPath,
      ).toBe('media_url_forbidden')
    }
    for (const url of ['http://mmg.whatsapp.net/x', 'https://u:p@mmg.whatsapp.net/x', 'file:///etc/passwd', 'not a url']) {
      expect(
        codeOf(() => mediaDownloadUrl({ url, directPath: null })),
        url,
      ).toBe('media_url_forbidden')
    }
    expect(codeOf(() => mediaDownloadUrl({ url: null, directPath: null }))).toBe('media_url_forbidden')
  })
})

describe('mediaDecipher: encrypted hash, MAC and padding checked while decrypting', () => {
  const encrypt = async (plain: Buffer, mediaKey: Buffer) => {
    const { cipherKey, iv, macKey } = await getMediaKeys(mediaKey, 'image')
    const c = crypto.createCipheriv('aes-256-cbc', cipherKey, iv)
    const ct = Buffer.concat([c.update(plain), c.final()])
    const mac = crypto.createHmac('sha256', macKey!).update(iv).update(ct).digest().subarray(0, 10)
    const blob = Buffer.concat([ct, mac])
    return { blob, encSha: crypto.createHash('sha256').update(blob).digest() }
  }
  const run = async (blob: Buffer, mediaKey: Buffer, fileEncSha256: Buffer, chunk = 7) => {
    const d = await mediaDecipher({ kind: 'image', mediaKey, fileEncSha256 })
    const parts: Buffer[] = []
    for (let i = 0; i < blob.length; i += chunk) parts.push(blob.subarray(i, i + chunk))
    return Buffer.concat(await Readable.from(parts).pipe(d).toArray())
  }

  it('decrypts what WhatsApp encrypted, whatever the chunking, and knows its length', async () => {
    const key = crypto.randomBytes(32)
    const plain = crypto.randomBytes(1000)
    const { blob, encSha } = await encrypt(plain, key)
    expect(blob.length).toBe(encryptedLength(plain.length))
    expect((await run(blob, key, encSha)).equals(plain)).toBe(true)
    expect((await run(blob, key, encSha, 4096)).equals(plain)).toBe(true)
  })

  it('fails on another encrypted hash, a broken MAC or a short blob', async () => {
    const key = crypto.randomBytes(32)
    const { blob, encSha } = await encrypt(crypto.randomBytes(100), key)
    await expect(run(blob, key, crypto.randomBytes(32))).rejects.toMatchObject({ code: 'upstream_failed' })
    const tampered = Buffer.from(blob)
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1
    const tamperedSha = crypto.createHash('sha256').update(tampered).digest()
    await expect(run(tampered, key, tamperedSha)).rejects.toMatchObject({
      code: 'upstream_failed',
      message: expect.stringContaining('MAC') as string,
    })
    await expect(run(Buffer.alloc(5), key, encSha)).rejects.toMatchObject({ code: 'upstream_failed' })
  })
})
