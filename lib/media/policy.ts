/**
 * What WhatsApp accepts per media kind, as a pure decision over what the bytes really are (sniffed
 * by file-type), what the caller declared, and the size. The gateway refuses what WhatsApp would
 * refuse or show broken, with a message that names the real type.
 */
import { AppError } from '@/lib/errors'

export const MEDIA_KINDS = ['image', 'video', 'audio', 'document', 'sticker'] as const
export type MediaKind = (typeof MEDIA_KINDS)[number]

export type MediaLimits = Record<MediaKind, number>

/** The types each kind accepts (WhatsApp's supported formats; documents take anything). */
export const ACCEPTED_TYPES: Record<Exclude<MediaKind, 'document'>, readonly string[]> = {
  image: ['image/jpeg', 'image/png'],
  video: ['video/mp4', 'video/3gpp'],
  audio: ['audio/aac', 'audio/mp4', 'audio/mpeg', 'audio/amr', 'audio/ogg'],
  sticker: ['image/webp'],
}

/** Kinds that carry a caption on WhatsApp. */
export const CAPTION_KINDS: readonly MediaKind[] = ['image', 'video', 'document']

/** file-type's names → the name WhatsApp and the declared types use. */
const ALIASES: Record<string, string> = {
  'audio/x-m4a': 'audio/mp4',
  'audio/m4a': 'audio/mp4',
  'audio/opus': 'audio/ogg',
  'application/ogg': 'audio/ogg',
  'audio/x-aac': 'audio/aac',
  'audio/mp3': 'audio/mpeg',
  'audio/amr-wb': 'audio/amr',
  'video/3gpp2': 'video/3gpp',
  'image/jpg': 'image/jpeg',
  'application/x-pdf': 'application/pdf',
}

/** `Audio/OGG; codecs=opus` → `audio/ogg` (aliases folded). */
export function baseType(mime: string | null | undefined): string | null {
  if (!mime) return null
  const t = mime.split(';')[0]?.trim().toLowerCase() ?? ''
  if (!/^[\w.+-]+\/[\w.+-]+$/.test(t)) return null
  return ALIASES[t] ?? t
}

/** The kind whose size cap applies to bytes of this type (before the caller names a kind). */
export function kindForType(mime: string | null): MediaKind {
  const t = baseType(mime)
  if (t === 'image/webp') return 'sticker'
  for (const kind of ['image', 'video', 'audio'] as const) if (t && ACCEPTED_TYPES[kind].includes(t)) return kind
  return 'document'
}

/** The cap for bytes that may be sent as any kind: the largest of the kinds they could be. */
export function capForType(mime: string | null, limits: MediaLimits): number {
  const kind = kindForType(mime)
  // an image may still be sent as a document, a webp as an image-like sticker or a document
  return Math.max(limits[kind], kind === 'document' ? 0 : limits.document)
}

export type MediaCheck = {
  kind: MediaKind
  /** what file-type found in the first bytes (null: no known signature, e.g. plain text) */
  sniffed: string | null
  /** the MIME type the caller gave (upload part, base64 mimeType, link's Content-Type) */
  declared?: string | null
  size: number
  voice?: boolean
}

/**
 * The MIME type to send with, or an AppError: `media_type_mismatch` when the bytes are not what the
 * kind takes or not what was declared, `payload_too_large` over the kind's cap.
 */
export function checkMedia(c: MediaCheck, limits: MediaLimits): string {
  const sniffed = baseType(c.sniffed)
  const declared = baseType(c.declared)
  if (c.size === 0) throw new AppError('validation_failed', 'The media is empty.')
  if (c.size > limits[c.kind]) {
    throw new AppError('payload_too_large', `A ${c.kind} may be at most ${limits[c.kind]} bytes; this one is ${c.size}.`, {
      details: { kind: c.kind, maxBytes: limits[c.kind], size: c.size },
    })
  }
  if (sniffed && declared && sniffed !== declared && !compatible(sniffed, declared)) {
    throw new AppError('media_type_mismatch', `The bytes are ${sniffed}, not the declared ${declared}.`, {
      details: { declared, detected: sniffed },
    })
  }
  if (c.kind === 'document') return sniffed ?? declared ?? 'application/octet-stream'
  const accepted = ACCEPTED_TYPES[c.kind]
  if (!sniffed || !accepted.includes(sniffed)) {
    throw new AppError(
      'media_type_mismatch',
      `The bytes are ${sniffed ?? 'of no recognisable media type'}: ${c.kind} accepts ${accepted.join(', ')} (send other files as a document).`,
      { details: { kind: c.kind, detected: sniffed, accepted } },
    )
  }
  if (c.kind === 'audio' && c.voice && sniffed !== 'audio/ogg') {
    throw new AppError('media_type_mismatch', `A voice note must be Ogg/Opus audio; the bytes are ${sniffed}.`, {
      details: { kind: 'audio', detected: sniffed, accepted: ['audio/ogg'] },
    })
  }
  // voice notes go out as WhatsApp's push-to-talk type
  if (c.kind === 'audio' && sniffed === 'audio/ogg') return 'audio/ogg; codecs=opus'
  return sniffed
}

/** Containers file-type names by their brand where a declared type names the same family. */
function compatible(sniffed: string, declared: string): boolean {
  const families = [
    ['video/mp4', 'audio/mp4', 'video/quicktime', 'application/mp4'],
    ['audio/ogg', 'video/ogg', 'application/ogg'],
    ['application/zip', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ]
  if (families.some((f) => f.includes(sniffed) && f.includes(declared))) return true
  // office files are zip (or CFB) containers: file-type names the container or the format
  if (sniffed === 'application/zip' && declared.startsWith('application/vnd.')) return true
  if (sniffed === 'application/x-cfb' && (declared.startsWith('application/vnd.ms-') || declared === 'application/msword')) return true
  return false
}

/** A file name safe for a Content-Disposition header and the phone's document view. */
export function cleanFileName(name: string | null | undefined): string | null {
  if (!name) return null
  // eslint-disable-next-line no-control-regex -- control characters are exactly what goes
  const base = name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim()
  return base ? base.slice(0, 255) : null
}
