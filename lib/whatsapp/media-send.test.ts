import { createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { type CacheStore, getMediaKeys, prepareWAMessageMedia, proto } from '@whiskeysockets/baileys'
import { afterAll, describe, expect, it } from 'vitest'
import { defaultCaDir, issueServerCertificate, loadOrCreateCa } from '../../sim/media/tls'
import { encryptMediaFile, type MediaHosts, PreparedMedia, probeMediaCache } from './media-send'

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

  it('leaves no encrypted file behind when reading the source fails midway', async () => {
    // A directory opens for reading but fails at the first read (EISDIR): by then the `.enc` file
    // has been created, so only the clean-up can make it disappear. (A missing source fails before
    // the `.enc` file exists, and would pass whether or not anything is cleaned up.)
    const src = path.join(dir, 'not-a-file.jpg')
    fs.mkdirSync(src)
    await expect(encryptMediaFile(src, 'image')).rejects.toThrow(/EISDIR/)
    expect(fs.readdirSync(dir)).not.toContain('not-a-file.jpg.enc')
  })
})

describe('PreparedMedia', () => {
  /** A loopback media host with a certificate from the simulator's CA (trusted via NODE_EXTRA_CA_CERTS). */
  async function mediaHost(): Promise<{ hosts: MediaHosts; uploads: Buffer[]; close(): Promise<void> }> {
    const uploads: Buffer[] = []
    const { certPem, keyPem } = issueServerCertificate(loadOrCreateCa(defaultCaDir()))
    const server = https.createServer({ cert: certPem, key: keyPem }, (req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        uploads.push(Buffer.concat(chunks))
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ url: 'https://media.example/u/1', direct_path: '/v/t62/1' }))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const hosts: MediaHosts = {
      refreshMediaConn: () =>
        Promise.resolve({
          auth: 'token',
          ttl: 300,
          hosts: [{ hostname: `127.0.0.1:${port}`, maxContentLengthBytes: 100_000_000 }],
          fetchDate: new Date(),
        }),
    }
    return { hosts, uploads, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
  }

  it('serves the message it prepared, and ignores what Baileys tries to cache', async () => {
    const host = await mediaHost()
    try {
      const plain = randomBytes(70_000)
      const src = path.join(dir, 'photo.jpg')
      fs.writeFileSync(src, plain)
      const cache = new PreparedMedia()
      const key = await cache.prepare(host.hosts, 'image', src)
      expect(key).toBe(`image:${src}`)

      // Baileys writes its own upload results through the CacheStore interface: none may stick,
      // neither under a new key nor over the prepared one.
      const store: CacheStore = cache
      await store.set('image:/tmp/other.jpg', new Uint8Array([1, 2, 3]))
      await store.set(key, new Uint8Array([1, 2, 3]))
      expect(await store.get('image:/tmp/other.jpg')).toBeUndefined()

      const encoded = await store.get<Uint8Array>(key)
      expect(encoded).toBeInstanceOf(Uint8Array)
      const image = proto.Message.decode(encoded ?? new Uint8Array()).imageMessage
      expect(image?.url).toBe('https://media.example/u/1')
      expect(image?.directPath).toBe('/v/t62/1')
      expect(Number(image?.fileLength)).toBe(plain.length)
      expect(Buffer.from(image?.fileSha256 ?? [])).toEqual(createHash('sha256').update(plain).digest())
      // what the media host received is the encrypted file the message describes
      expect(host.uploads).toHaveLength(1)
      expect(Buffer.from(image?.fileEncSha256 ?? [])).toEqual(
        createHash('sha256')
          .update(host.uploads[0] ?? '')
          .digest(),
      )
      // the encrypted copy is gone once uploaded
      expect(fs.existsSync(`${src}.enc`)).toBe(false)
    } finally {
      await host.close()
    }
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
