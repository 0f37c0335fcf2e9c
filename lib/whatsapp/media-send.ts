import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import https from 'node:https'
import {
  type CacheStore,
  DEFAULT_ORIGIN,
  encodeBase64EncodedStringForUpload,
  getMediaKeys,
  MEDIA_PATH_MAP,
  type MediaConnInfo,
  prepareWAMessageMedia,
  proto,
} from '@whiskeysockets/baileys'
import { ENGAGED, notEngaged, type SeamState } from './seam-state'

/**
 * Encrypts and uploads outgoing media with memory that does not grow with the file.
 *
 * Baileys' own path (encryptedStream + its node:https upload) is streamed too, but every 64 KiB read
 * and every cipher output is a fresh ArrayBuffer that only a garbage collection frees. V8 collects
 * off-heap memory lazily (about 64 MB of it may pile up between collections), so sending a 64 MB
 * video raised the process RSS by 0 to 31 MB depending on when the collector happened to run. Here
 * the file is read into one reused buffer, each cipher output is released (its ArrayBuffer detached)
 * as soon as it is on disk, and the upload writes from one reused buffer, waiting for each write to
 * complete before reading the next chunk: a few hundred KiB in flight whatever the size.
 *
 * The encryption is WhatsApp's media format, the same one Baileys writes: AES-256-CBC with keys
 * from HKDF(mediaKey, "WhatsApp <Kind> Keys"), then the first 10 bytes of HMAC-SHA256(iv ‖ ciphertext).
 * Baileys is then handed the finished media message through its `mediaCache` seam (see PreparedMedia).
 */
export type UploadKind = 'image' | 'video' | 'document' | 'sticker'

const CHUNK = 256 * 1024
const MAX_ANSWER = 64 * 1024

export type EncryptedFile = {
  encPath: string
  mediaKey: Buffer
  fileSha256: Buffer
  fileEncSha256: Buffer
  fileLength: number
}

/** Frees a buffer's memory now instead of at the next collection, when it owns its whole ArrayBuffer. */
function release(buf: Buffer): void {
  const ab = buf.buffer
  if (buf.byteOffset === 0 && ab instanceof ArrayBuffer && ab.byteLength === buf.length && buf.length >= 4096) {
    ;(ab as ArrayBuffer & { transfer(len: number): ArrayBuffer }).transfer(0)
  }
}

async function writeAll(fh: fs.FileHandle, data: Buffer): Promise<void> {
  let off = 0
  while (off < data.length) off += (await fh.write(data, off, data.length - off)).bytesWritten
}

/** Encrypts `srcPath` into `${srcPath}.enc`; removes the partial file on failure. */
export async function encryptMediaFile(srcPath: string, kind: UploadKind): Promise<EncryptedFile> {
  const mediaKey = randomBytes(32)
  const { cipherKey, iv, macKey } = await getMediaKeys(mediaKey, kind)
  if (!macKey) throw new Error('no MAC key derived for the media key')
  const encPath = `${srcPath}.enc`
  const aes = createCipheriv('aes-256-cbc', cipherKey, iv)
  const hmac = createHmac('sha256', macKey).update(iv)
  const sha256Plain = createHash('sha256')
  const sha256Enc = createHash('sha256')
  const src = await fs.open(srcPath, 'r')
  let out: fs.FileHandle | undefined
  try {
    const dst = await fs.open(encPath, 'w')
    out = dst
    const buf = Buffer.allocUnsafeSlow(CHUNK)
    let fileLength = 0
    const put = async (enc: Buffer) => {
      hmac.update(enc)
      sha256Enc.update(enc)
      await writeAll(dst, enc)
      release(enc)
    }
    for (;;) {
      const { bytesRead } = await src.read(buf, 0, CHUNK, null)
      if (bytesRead === 0) break
      const plain = buf.subarray(0, bytesRead)
      fileLength += bytesRead
      sha256Plain.update(plain)
      await put(aes.update(plain))
    }
    await put(aes.final())
    const mac = hmac.digest().subarray(0, 10)
    sha256Enc.update(mac)
    await writeAll(dst, mac)
    return { encPath, mediaKey, fileSha256: sha256Plain.digest(), fileEncSha256: sha256Enc.digest(), fileLength }
  } catch (err) {
    await out?.close().catch(() => undefined)
    out = undefined
    await fs.rm(encPath, { force: true })
    throw err
  } finally {
    await src.close()
    await out?.close()
  }
}

type UploadAnswer = { url?: string; direct_path?: string }

/** POSTs a file from one reused buffer; resolves with the media host's JSON answer. */
function postFile(url: URL, path: string, size: number, idleTimeoutMs: number): Promise<UploadAnswer> {
  return new Promise<UploadAnswer>((resolve, reject) => {
    let settled = false
    const settle = (err: Error | null, answer?: UploadAnswer) => {
      if (settled) return
      settled = true
      if (err) reject(err)
      else resolve(answer ?? {})
    }
    const req = https.request(
      url,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': size, Origin: DEFAULT_ORIGIN },
        timeout: idleTimeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = []
        let got = 0
        res.on('data', (c: Buffer) => {
          got += c.length
          if (got <= MAX_ANSWER) chunks.push(c)
        })
        res.on('error', (err) => settle(err))
        res.on('end', () => {
          const status = res.statusCode ?? 0
          if (status < 200 || status >= 300) {
            settle(new Error(`media host answered ${status}`))
            return
          }
          try {
            settle(null, JSON.parse(Buffer.concat(chunks).toString('utf8')) as UploadAnswer)
          } catch {
            settle(new Error('media host answered with something that is not JSON'))
          }
        })
      },
    )
    req.on('error', (err) => settle(err))
    req.on('timeout', () => req.destroy(new Error(`media upload stalled for ${idleTimeoutMs} ms`)))
    const pump = async () => {
      const fh = await fs.open(path, 'r')
      try {
        const buf = Buffer.allocUnsafeSlow(CHUNK)
        for (;;) {
          const { bytesRead } = await fh.read(buf, 0, CHUNK, null)
          if (bytesRead === 0 || req.destroyed) break
          // the buffer is read into again only once this write has left for the socket
          await new Promise<void>((ok, fail) => req.write(buf.subarray(0, bytesRead), (err) => (err ? fail(err) : ok())))
        }
        req.end()
      } finally {
        await fh.close()
      }
    }
    pump().catch((err: unknown) => {
      req.destroy()
      settle(err instanceof Error ? err : new Error(String(err)))
    })
  })
}

export type MediaHosts = { refreshMediaConn(forceGet?: boolean): Promise<MediaConnInfo> }

/** Uploads an encrypted file to the first media host that takes it (as WhatsApp Web does). */
export async function uploadEncrypted(
  hosts: MediaHosts,
  file: EncryptedFile,
  kind: UploadKind,
  idleTimeoutMs = 60_000,
): Promise<{ url: string; directPath: string }> {
  const size = (await fs.stat(file.encPath)).size
  const token = encodeBase64EncodedStringForUpload(file.fileEncSha256.toString('base64'))
  let conn = await hosts.refreshMediaConn(false)
  const errors: string[] = []
  for (const { hostname } of conn.hosts) {
    const url = new URL(`https://${hostname}${MEDIA_PATH_MAP[kind]}/${token}?auth=${encodeURIComponent(conn.auth)}&token=${token}`)
    try {
      const answer = await postFile(url, file.encPath, size, idleTimeoutMs)
      if (answer.url || answer.direct_path) return { url: answer.url ?? '', directPath: answer.direct_path ?? '' }
      errors.push(`${hostname}: no url in the answer`)
      conn = await hosts.refreshMediaConn(true)
    } catch (err) {
      errors.push(`${hostname}: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  throw new Error(`media upload failed on every host (${errors.join('; ') || 'no hosts announced'})`)
}

/**
 * Finished media messages for Baileys to send. Baileys' prepareWAMessageMedia looks up
 * `${kind}:${url}` in the socket's `mediaCache` before encrypting anything itself; a hit is decoded
 * and the send's own fields (mimetype, caption, file name…) are laid over it. This cache only ever
 * holds what `prepare` put there for one send, and ignores Baileys' own writes. `taken` says whether
 * Baileys read a prepared entry: when it did not, it encrypted and uploaded the file again itself
 * (the seam no longer engages; socket.ts warns).
 */
export class PreparedMedia implements CacheStore {
  private readonly ready = new Map<string, Uint8Array>()
  private readonly read = new Set<string>()

  async prepare(hosts: MediaHosts, kind: UploadKind, path: string): Promise<string> {
    const file = await encryptMediaFile(path, kind)
    try {
      const { url, directPath } = await uploadEncrypted(hosts, file, kind)
      const key = `${kind}:${path}`
      const message = proto.Message.fromObject({
        [`${kind}Message`]: {
          url,
          directPath,
          mediaKey: file.mediaKey,
          fileEncSha256: file.fileEncSha256,
          fileSha256: file.fileSha256,
          fileLength: file.fileLength,
          mediaKeyTimestamp: Math.floor(Date.now() / 1000),
        },
      })
      this.put(key, message)
      return key
    } finally {
      await fs.rm(file.encPath, { force: true })
    }
  }

  /** a finished media message for the send whose content names `key` (`${kind}:${path}`) */
  put(key: string, message: proto.IMessage): void {
    this.ready.set(key, proto.Message.encode(message).finish())
    this.read.delete(key)
  }

  /** whether Baileys read the entry `put` under `key` */
  taken(key: string): boolean {
    return this.read.has(key)
  }

  // Baileys' CacheStore signature is generic; the only values here are encoded messages
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  get<T>(key: string): T | undefined {
    const value = this.ready.get(key)
    if (value) this.read.add(key)
    return value as T | undefined
  }
  set(): boolean {
    return false
  }
  del(key: string): boolean {
    this.read.delete(key)
    return this.ready.delete(key)
  }
  flushAll(): void {
    this.ready.clear()
    this.read.clear()
  }
}

/**
 * The start-time check against the installed Baileys: its prepareWAMessageMedia answers a send from
 * a prepared entry, with the send's own fields laid over it, and neither reads the file nor uploads.
 */
export async function probeMediaCache(): Promise<SeamState> {
  const cache = new PreparedMedia()
  const key = 'image:/nonexistent/gateway-seam-probe.jpg'
  cache.put(key, { imageMessage: { url: 'https://media.invalid/probe', directPath: '/probe', fileLength: 3 } })
  const uploads: string[] = []
  const message = await prepareWAMessageMedia(
    { image: { url: '/nonexistent/gateway-seam-probe.jpg' }, caption: 'probe' },
    {
      mediaCache: cache,
      upload: (file) => {
        uploads.push(file)
        return Promise.reject(new Error('the probe uploads nothing'))
      },
    },
  )
  if (uploads.length > 0 || !cache.taken(key)) return notEngaged('prepareWAMessageMedia did not look the media up in mediaCache')
  const image = message.imageMessage
  if (image?.url !== 'https://media.invalid/probe' || image.caption !== 'probe')
    return notEngaged("prepareWAMessageMedia did not send the cached message with the send's own fields")
  return ENGAGED
}
