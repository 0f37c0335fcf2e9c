/**
 * WhatsApp's media servers, simulated: encrypted blobs on disk addressed by a direct path, uploads
 * from companions (Baileys' waUploadToServer), media that simulated phones send, downloads, expiry,
 * and the phone's re-upload after a media retry request. The crypto is WhatsApp's media scheme as
 * Baileys implements it (AES-256-CBC + HMAC-SHA256 truncated to 10 bytes, keys from HKDF of the media
 * key); only Baileys' exported helpers are used for the key derivation.
 */
import { encryptedStream, getMediaKeys, type MediaType, proto } from '@whiskeysockets/baileys'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'

export const MEDIA_KINDS = ['image', 'video', 'audio', 'document', 'sticker'] as const
export type MediaKind = (typeof MEDIA_KINDS)[number]

type Blob = { token: string; file: string; size: number; expiredStatus?: number }

/** What a simulated phone records about a media message it received (bytes decrypted and hashed). */
export type ReceivedMedia = {
  kind: MediaKind
  mimeType: string
  /** hex SHA-256 of the decrypted bytes */
  sha256: string
  size: number
  /** the sender's fileSha256 matched the decrypted bytes */
  hashMatches: boolean
  fileName?: string
  caption?: string
  voice?: boolean
  seconds?: number
}

/** The media a phone sent, kept to answer a media retry (re-upload) for its message id. */
type SentMedia = { kind: MediaKind; mediaKey: Buffer; token: string }

const hkdfType = (kind: MediaKind): MediaType => kind

export class MediaStore {
  readonly dir: string
  /** the `auth` value media_conn hands out; uploads without it are refused */
  readonly auth = crypto.randomBytes(16).toString('base64url')
  private readonly blobs = new Map<string, Blob>()
  private readonly sentByMessage = new Map<string, SentMedia>()
  private readonly tokenByMessage = new Map<string, string>()
  uploads = 0
  downloads = 0
  reuploads = 0

  constructor(dir?: string) {
    this.dir = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'wa-sim-media-'))
  }

  close(): void {
    fs.rmSync(this.dir, { recursive: true, force: true })
  }

  static directPath(token: string): string {
    return `/v/t62/${token}.enc`
  }

  static tokenOf(directPathOrUrl: string): string | undefined {
    const pathname = directPathOrUrl.startsWith('/') ? directPathOrUrl.split('?')[0] : new URL(directPathOrUrl).pathname
    return /^\/v\/t62\/([\w-]+)\.enc$/.exec(pathname ?? '')?.[1]
  }

  /** Streams an upload (already encrypted by the sender) to disk; returns its direct path. */
  async upload(body: NodeJS.ReadableStream): Promise<{ token: string; directPath: string; size: number }> {
    const token = crypto.randomBytes(12).toString('base64url')
    const file = path.join(this.dir, `${token}.enc`)
    await pipeline(body, fs.createWriteStream(file))
    const size = fs.statSync(file).size
    this.blobs.set(token, { token, file, size })
    this.uploads++
    return { token, directPath: MediaStore.directPath(token), size }
  }

  /** The blob for a download, or the HTTP status that refuses it (404 unknown, 404/410 expired). */
  lookup(token: string): Blob | { status: number } {
    const blob = this.blobs.get(token)
    if (!blob) return { status: 404 }
    if (blob.expiredStatus) return { status: blob.expiredStatus }
    return blob
  }

  countDownload(): void {
    this.downloads++
  }

  /** Makes the media of a message unavailable (the link expired), so the receiver has to ask for a re-upload. */
  expire(messageId: string, status = 404): boolean {
    const token = this.sentByMessage.get(messageId)?.token ?? this.tokenByMessage.get(messageId)
    const blob = token ? this.blobs.get(token) : undefined
    if (!blob) return false
    blob.expiredStatus = status
    return true
  }

  /**
   * A simulated phone sends media: encrypts the bytes with a fresh media key (Baileys' own
   * encryptedStream), stores the blob and returns the fields of the media message.
   */
  async encryptAndStore(kind: MediaKind, data: Buffer, mediaHost: string) {
    const enc = await encryptedStream(data, hkdfType(kind))
    const token = crypto.randomBytes(12).toString('base64url')
    const file = path.join(this.dir, `${token}.enc`)
    fs.renameSync(enc.encFilePath, file)
    const size = fs.statSync(file).size
    this.blobs.set(token, { token, file, size })
    const directPath = MediaStore.directPath(token)
    return {
      token,
      fields: {
        url: `https://${mediaHost}${directPath}`,
        directPath,
        mediaKey: enc.mediaKey,
        fileSha256: enc.fileSha256,
        fileEncSha256: enc.fileEncSha256,
        fileLength: enc.fileLength,
        mediaKeyTimestamp: Math.floor(Date.now() / 1000),
      },
      mediaKey: enc.mediaKey,
    }
  }

  rememberSent(messageId: string, media: SentMedia): void {
    this.sentByMessage.set(messageId, media)
  }

  /**
   * The phone re-uploads the media of a message it sent (after a media retry request): the same
   * encrypted bytes under a new direct path. Undefined when the phone has no such media.
   */
  reupload(messageId: string): { directPath: string; mediaKey: Buffer } | undefined {
    const sent = this.sentByMessage.get(messageId)
    const blob = sent ? this.blobs.get(sent.token) : undefined
    if (!sent || !blob) return undefined
    const token = crypto.randomBytes(12).toString('base64url')
    const file = path.join(this.dir, `${token}.enc`)
    fs.copyFileSync(blob.file, file)
    this.blobs.set(token, { token, file, size: blob.size })
    sent.token = token
    this.reuploads++
    return { directPath: MediaStore.directPath(token), mediaKey: sent.mediaKey }
  }

  mediaKeyOf(messageId: string): Buffer | undefined {
    return this.sentByMessage.get(messageId)?.mediaKey
  }

  /**
   * What the receiving phone sees of a media message: decrypts the blob its direct path names
   * (checking the MAC) and hashes the plaintext. Undefined when the message carries no media.
   */
  async inspect(messageId: string, message: proto.IMessage): Promise<ReceivedMedia | undefined> {
    const found = mediaOf(message)
    if (!found) return undefined
    const { kind, m } = found
    const token = MediaStore.tokenOf(m.directPath ?? m.url ?? '')
    const blob = token ? this.blobs.get(token) : undefined
    if (!blob || !m.mediaKey) throw new Error(`media of ${messageId} is not on the media host`)
    this.tokenByMessage.set(messageId, blob.token)
    const { sha256, size } = await decryptFile(blob.file, Buffer.from(m.mediaKey), kind)
    const expected = m.fileSha256 ? Buffer.from(m.fileSha256).toString('hex') : undefined
    const doc = found.kind === 'document' ? (m as proto.Message.IDocumentMessage) : undefined
    const audio = found.kind === 'audio' ? (m as proto.Message.IAudioMessage) : undefined
    const caption = (m as { caption?: string | null }).caption ?? undefined
    return {
      kind,
      mimeType: m.mimetype ?? '',
      sha256,
      size,
      hashMatches: expected === sha256,
      ...(doc?.fileName ? { fileName: doc.fileName } : {}),
      ...(caption ? { caption } : {}),
      ...(audio ? { voice: audio.ptt === true, ...(audio.seconds ? { seconds: audio.seconds } : {}) } : {}),
    }
  }
}

type MediaFields = {
  url?: string | null
  directPath?: string | null
  mediaKey?: Uint8Array | null
  fileSha256?: Uint8Array | null
  mimetype?: string | null
}

/** The media part of a message (unwrapping a document-with-caption), if any. */
export function mediaOf(message: proto.IMessage): { kind: MediaKind; m: MediaFields } | undefined {
  const inner = message.documentWithCaptionMessage?.message ?? message
  if (inner.imageMessage) return { kind: 'image', m: inner.imageMessage }
  if (inner.videoMessage) return { kind: 'video', m: inner.videoMessage }
  if (inner.audioMessage) return { kind: 'audio', m: inner.audioMessage }
  if (inner.documentMessage) return { kind: 'document', m: inner.documentMessage }
  if (inner.stickerMessage) return { kind: 'sticker', m: inner.stickerMessage }
  return undefined
}

/** Verifies the MAC and decrypts a stored blob as a stream, returning the plaintext's hash and size. */
async function decryptFile(file: string, mediaKey: Buffer, kind: MediaKind): Promise<{ sha256: string; size: number }> {
  const { cipherKey, iv, macKey } = await getMediaKeys(mediaKey, hkdfType(kind))
  if (!macKey) throw new Error('no MAC key')
  const total = fs.statSync(file).size
  if (total < 10) throw new Error('media blob too short')
  const hmac = crypto.createHmac('sha256', macKey).update(iv)
  const decipher = crypto.createDecipheriv('aes-256-cbc', cipherKey, iv)
  const hash = crypto.createHash('sha256')
  let size = 0
  const body = fs.createReadStream(file, { start: 0, end: total - 11 })
  for await (const chunk of body) {
    const c = chunk as Buffer
    hmac.update(c)
    const plain = decipher.update(c)
    size += plain.length
    hash.update(plain)
  }
  const last = decipher.final()
  size += last.length
  hash.update(last)
  const mac = Buffer.alloc(10)
  const fd = fs.openSync(file, 'r')
  fs.readSync(fd, mac, 0, 10, total - 10)
  fs.closeSync(fd)
  if (!hmac.digest().subarray(0, 10).equals(mac)) throw new Error('media MAC mismatch')
  return { sha256: hash.digest('hex'), size }
}
