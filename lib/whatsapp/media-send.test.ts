import { createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { getMediaKeys, prepareWAMessageMedia } from '@whiskeysockets/baileys'
import { afterAll, describe, expect, it } from 'vitest'
import { encryptMediaFile, PreparedMedia, probeMediaCache } from './media-send'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'media-send-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe('encryptMediaFile', () => {
  it('writes WhatsApp media encryption: AES-256-CBC, a 10-byte HMAC of iv + ciphertext, and both hashes', async () => {
    // several chunks plus a remainder that is not a multiple of the AES block
    const plain = randomBytes(3 * 256 * 1024 + 12_345)
    const src = path.join(dir, 'video.mp4')
    fs.writeFileSync(src, plain)
    const out = await encryptMediaFile(src, 'video')
    const enc = fs.readFileSync(out.encPath)

    const { cipherKey, iv, macKey } = await getMediaKeys(out.mediaKey, 'video')
    const ciphertext = enc.subarray(0, enc.length - 10)
    const mac = enc.subarray(enc.length - 10)
    expect(mac).toEqual(
      createHmac('sha256', macKey ?? Buffer.alloc(0))
        .update(iv)
        .update(ciphertext)
        .digest()
        .subarray(0, 10),
    )
    const decipher = createDecipheriv('aes-256-cbc', cipherKey, iv)
    expect(Buffer.concat([decipher.update(ciphertext), decipher.final()])).toEqual(plain)
    expect(out.fileLength).toBe(plain.length)
    expect(out.fileSha256).toEqual(createHash('sha256').update(plain).digest())
    expect(out.fileEncSha256).toEqual(createHash('sha256').update(enc).digest())
  })

  it('leaves no encrypted file behind when the source cannot be read', async () => {
    await expect(encryptMediaFile(path.join(dir, 'missing.jpg'), 'image')).rejects.toThrow()
    expect(fs.existsSync(path.join(dir, 'missing.jpg.enc'))).toBe(false)
  })
})

describe('PreparedMedia', () => {
  it('serves only what it prepared and ignores what Baileys tries to cache', () => {
    const cache = new PreparedMedia()
    cache.set()
    expect(cache.get('image:/tmp/x')).toBeUndefined()
  })

  it('is what Baileys sends (canary): a prepared entry is taken, the send’s fields laid over it, nothing read or uploaded', async () => {
    const cache = new PreparedMedia()
    const src = path.join(dir, 'never-read.mp4') // does not exist: Baileys must not open it
    cache.put(`video:${src}`, { videoMessage: { url: 'https://mmg.example/v', directPath: '/v/1', fileLength: 1234 } })
    let uploads = 0
    const message = await prepareWAMessageMedia(
      { video: { url: src }, caption: 'hello', mimetype: 'video/mp4' },
      {
        mediaCache: cache,
        upload: () => {
          uploads++
          return Promise.reject(new Error('not expected'))
        },
      },
    )
    expect(uploads).toBe(0)
    expect(cache.taken(`video:${src}`)).toBe(true)
    expect(message.videoMessage).toMatchObject({
      url: 'https://mmg.example/v',
      directPath: '/v/1',
      caption: 'hello',
      mimetype: 'video/mp4',
    })
    expect(Number(message.videoMessage?.fileLength)).toBe(1234)
    // the start-time check says the same
    expect(await probeMediaCache()).toEqual({ engaged: true })
  })

  it('says when Baileys did not take what was prepared', () => {
    const cache = new PreparedMedia()
    cache.put('image:/tmp/a.jpg', { imageMessage: { url: 'https://mmg.example/a' } })
    expect(cache.taken('image:/tmp/a.jpg')).toBe(false)
    expect(cache.get('image:/tmp/a.jpg')).toBeInstanceOf(Uint8Array)
    expect(cache.taken('image:/tmp/a.jpg')).toBe(true)
    cache.del('image:/tmp/a.jpg')
    expect(cache.taken('image:/tmp/a.jpg')).toBe(false)
  })
})
