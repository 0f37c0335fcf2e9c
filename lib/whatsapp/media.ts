import { normalizeMessageContent, proto } from '@whiskeysockets/baileys'

export type WaMediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker'

/** What the log keeps about a media message (the bytes are fetched on request). */
export type MediaInfo = {
  kind: WaMediaKind
  mimeType: string | null
  size: number | null
  /** hex SHA-256 of the plain bytes, as the sender declared it */
  sha256: string | null
  fileName?: string
  caption?: string
  width?: number
  height?: number
  seconds?: number
  voice?: boolean
  animated?: boolean
}

type MediaFields = {
  mimetype?: string | null
  fileLength?: number | Long | null
  fileSha256?: Uint8Array | null
  fileEncSha256?: Uint8Array | null
  mediaKey?: Uint8Array | null
  directPath?: string | null
  url?: string | null
}
type Long = { toNumber(): number }

function mediaPart(m: proto.IMessage | null | undefined): { kind: WaMediaKind; part: MediaFields & Record<string, unknown> } | null {
  const c = normalizeMessageContent(m)
  if (!c) return null
  const inner = c.documentWithCaptionMessage?.message ?? c
  if (inner.imageMessage) return { kind: 'image', part: inner.imageMessage as MediaFields & Record<string, unknown> }
  if (inner.videoMessage) return { kind: 'video', part: inner.videoMessage as MediaFields & Record<string, unknown> }
  if (inner.audioMessage) return { kind: 'audio', part: inner.audioMessage as MediaFields & Record<string, unknown> }
  if (inner.documentMessage) return { kind: 'document', part: inner.documentMessage as MediaFields & Record<string, unknown> }
  if (inner.stickerMessage) return { kind: 'sticker', part: inner.stickerMessage as MediaFields & Record<string, unknown> }
  return null
}

const num = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v > 0 ? v : undefined
  if (v && typeof v === 'object' && 'toNumber' in v) return (v as Long).toNumber() || undefined
  return undefined
}
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)

/** The media metadata of a message, or null when it carries none. */
export function mediaInfoOf(m: proto.IMessage | null | undefined): MediaInfo | null {
  const found = mediaPart(m)
  if (!found) return null
  const { kind, part } = found
  const width = num(part.width)
  const height = num(part.height)
  const seconds = num(part.seconds)
  const fileName = str(part.fileName)
  const caption = str(part.caption)
  return {
    kind,
    mimeType: str(part.mimetype) ?? null,
    size: num(part.fileLength) ?? null,
    sha256: part.fileSha256?.length ? Buffer.from(part.fileSha256).toString('hex') : null,
    ...(fileName ? { fileName } : {}),
    ...(caption ? { caption } : {}),
    ...(width ? { width } : {}),
    ...(height ? { height } : {}),
    ...(seconds ? { seconds } : {}),
    ...(kind === 'audio' ? { voice: part.ptt === true } : {}),
    ...(kind === 'sticker' && part.isAnimated === true ? { animated: true } : {}),
  }
}

/** What downloading a received message's media needs, exactly as the sender's client declared it. */
export type ReceivedMediaSource = {
  kind: WaMediaKind
  mediaKey: Buffer | null
  /** SHA-256 of the plain bytes */
  fileSha256: Buffer | null
  /** SHA-256 of the encrypted blob (ciphertext and MAC) */
  fileEncSha256: Buffer | null
  /** length of the plain bytes */
  fileLength: number | null
  url: string | null
  directPath: string | null
}

const bytes = (v: Uint8Array | null | undefined): Buffer | null => (v?.length ? Buffer.from(v) : null)

/** The download fields of a message's media, or null when it carries none. */
export function receivedMediaSource(m: proto.IMessage | null | undefined): ReceivedMediaSource | null {
  const found = mediaPart(m)
  if (!found) return null
  const { kind, part } = found
  return {
    kind,
    mediaKey: bytes(part.mediaKey),
    fileSha256: bytes(part.fileSha256),
    fileEncSha256: bytes(part.fileEncSha256),
    fileLength: num(part.fileLength) ?? null,
    url: str(part.url) ?? null,
    directPath: str(part.directPath) ?? null,
  }
}

export function decodeProto(buf: Buffer): proto.IMessage {
  return proto.Message.decode(buf)
}

export function encodeProto(m: proto.IMessage): Buffer {
  return Buffer.from(proto.Message.encode(m).finish())
}
