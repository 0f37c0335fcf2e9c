import fs from 'node:fs'
import { pipeline } from 'node:stream'
import type { MessageRow } from '@/lib/db/messages'
import { AppError, isAppError } from '@/lib/errors'
import type { Logger } from '@/lib/logger'
import { guardedRequest, type GuardedResponse, type OutboundPolicy } from '@/lib/net/outbound'
import { decodeProto, type MediaInfo, mediaInfoOf, type ReceivedMediaSource, receivedMediaSource } from '@/lib/whatsapp/media'
import { encryptedLength, mediaDecipher, mediaDownloadUrl } from '@/lib/whatsapp/media-download'
import type { WaSocket } from '@/lib/whatsapp/socket'
import { writeStreamToFile, type WrittenFile } from './files'
import { judgeMediaHost, type WhatsAppMediaHosts } from './media-hosts'
import type { MediaLimits } from './policy'

/** WhatsApp's media host answers these when its copy is gone: the sender's phone can upload it again. */
const REUPLOAD_STATUSES = new Set([404, 410])

/** An allowed WhatsApp media host answered 404/410: the only case that may ask the sender to re-upload. */
class ExpiredAtHost extends Error {
  constructor(readonly status: number) {
    super(`WhatsApp's media host answered ${status}`)
  }
}

export type DownloadOptions = {
  accountId: string
  row: MessageRow
  target: string
  timeoutMs: number
  connectedSocket: () => WaSocket | undefined
  hosts: WhatsAppMediaHosts
  /** per kind, the most plain bytes downloaded */
  limits: MediaLimits
  /**
   * the address guard's policy (MEDIA_ALLOWED_CIDRS, https only): built once by the caller, since
   * keep-alive connections are pooled per policy object
   */
  policy: OutboundPolicy
  log: Logger
}

/**
 * Downloads a logged message's media from WhatsApp into `target`, only from a host WhatsApp itself
 * named (media_conn) or Baileys' default host, through the outbound address guard, capped at the
 * declared length, with the encrypted hash, the MAC and the plain hash checked. When an allowed host
 * says the copy is gone it asks the sender's phone, once, to upload it again (needs the account
 * connected). Nothing is left at `target` when it fails, and every failure is an AppError
 * (not_found, not_connected, media_url_forbidden, media_unverifiable, payload_too_large, media_gone,
 * upstream_failed, upstream_timeout).
 */
export async function downloadMessageMedia(opts: DownloadOptions): Promise<{ written: WrittenFile; info: MediaInfo }> {
  const { row } = opts
  if (!row.proto) throw new AppError('media_gone', 'The message was never sent, so WhatsApp has no copy of its media.')
  let message = decodeProto(row.proto)
  const info = mediaInfoOf(message)
  if (!info) throw new AppError('not_found', 'The message carries no media.')
  let written: WrittenFile
  try {
    written = await fetchOnce(opts, receivedMediaSource(message))
  } catch (err) {
    if (!(err instanceof ExpiredAtHost)) throw err
    const sock = opts.connectedSocket()
    if (!sock) {
      throw new AppError(
        'not_connected',
        'WhatsApp no longer has this media; connect the account so the sender can be asked to upload it again.',
      )
    }
    opts.log.info(
      { accountId: opts.accountId, msgId: row.waMessageId, status: err.status },
      'media link expired; asking the sender to upload it again',
    )
    try {
      message = await withTimeout(
        sock.reuploadMedia(
          {
            remoteJid: row.chatJid,
            fromMe: row.direction === 'out',
            id: row.waMessageId,
            ...(row.senderJid && row.direction === 'in' && row.senderJid !== row.chatJid ? { participant: row.senderJid } : {}),
          },
          message,
        ),
        opts.timeoutMs,
      )
    } catch (retryErr) {
      if (isAppError(retryErr)) throw retryErr
      throw new AppError('media_gone', 'WhatsApp no longer has this media and the sender could not upload it again.', { cause: retryErr })
    }
    // the re-uploaded message goes through every check again; a second 404 is final
    try {
      written = await fetchOnce(opts, receivedMediaSource(message))
    } catch (again) {
      if (again instanceof ExpiredAtHost) throw new AppError('media_gone', 'WhatsApp no longer has this media, even after a re-upload.')
      throw again
    }
  }
  return { written, info }
}

/** One checked download of `source` into opts.target. */
async function fetchOnce(opts: DownloadOptions, source: ReceivedMediaSource | null): Promise<WrittenFile> {
  const { accountId, row, log } = opts
  const refuse = (err: AppError, extra: Record<string, unknown> = {}): AppError => {
    // a sender chose these fields: the refusal is worth a warning with who and which message
    log.warn(
      { accountId, messageId: row.publicId, waMessageId: row.waMessageId, code: err.code, ...extra },
      `received media refused: ${err.message}`,
    )
    return err
  }
  if (!source) throw new AppError('not_found', 'The message carries no media.')
  const { kind, mediaKey, fileSha256, fileEncSha256 } = source
  if (mediaKey?.length !== 32 || fileSha256?.length !== 32 || fileEncSha256?.length !== 32) {
    // without both hashes and the key, the gateway could not tell WhatsApp's bytes from anyone else's
    throw refuse(
      new AppError(
        'media_unverifiable',
        'The media of this message is not fetched: the sender declared no media key or no encrypted and plain SHA-256 to check it against.',
      ),
    )
  }
  let url: URL
  try {
    url = mediaDownloadUrl(source)
  } catch (err) {
    throw isAppError(err) ? refuse(err) : err
  }
  const verdict = judgeMediaHost(url.host, await withTimeout(opts.hosts.hostsOf(accountId), opts.timeoutMs))
  if (verdict === 'unknown') {
    throw refuse(
      new AppError(
        'not_connected',
        "The gateway does not know WhatsApp's media hosts for this account yet; connect the account and try again.",
      ),
      { host: url.host },
    )
  }
  if (verdict === 'forbidden') {
    throw refuse(
      new AppError('media_url_forbidden', `The media of this message is not fetched: ${url.host} is not one of WhatsApp's media hosts.`),
      { host: url.host },
    )
  }
  const maxPlain = opts.limits[kind]
  if (source.fileLength !== null && source.fileLength > maxPlain) {
    throw new AppError('payload_too_large', `The ${kind} is ${source.fileLength} bytes; this gateway downloads at most ${maxPlain}.`, {
      details: { kind, maxBytes: maxPlain, size: source.fileLength },
    })
  }
  const maxEncrypted = encryptedLength(source.fileLength ?? maxPlain)
  let res: GuardedResponse
  try {
    res = await guardedRequest(url, {
      policy: opts.policy,
      method: 'GET',
      timeoutMs: opts.timeoutMs,
      maxRedirects: 0,
      maxBytes: maxEncrypted,
    })
  } catch (err) {
    if (isAppError(err) && err.code === 'media_url_forbidden') throw refuse(err, { host: url.host })
    throw asUpstream(err, maxEncrypted)
  }
  if (res.status !== 200) {
    res.body.destroy()
    if (REUPLOAD_STATUSES.has(res.status)) throw new ExpiredAtHost(res.status)
    throw new AppError('upstream_failed', `Fetching the media from WhatsApp failed (HTTP ${res.status}).`, {
      details: { status: res.status },
    })
  }
  const decipher = await mediaDecipher({ kind, mediaKey, fileEncSha256 })
  // pipeline (callback form) forwards the body's and the decipher's errors into what the file writer reads
  const plain = pipeline(res.body, decipher, () => undefined)
  let written: WrittenFile
  try {
    written = await writeStreamToFile(plain, opts.target, { capFor: () => maxPlain, timeoutMs: opts.timeoutMs })
  } catch (err) {
    res.body.destroy()
    throw asUpstream(err, maxEncrypted)
  }
  if (written.sha256 !== fileSha256.toString('hex')) {
    fs.rmSync(opts.target, { force: true })
    throw new AppError('upstream_failed', 'The downloaded media does not match the hash the sender declared.')
  }
  return written
}

/** Failures of the fetch itself: more bytes than declared is WhatsApp's host misbehaving, not a caller's upload. */
function asUpstream(err: unknown, maxEncrypted: number): AppError {
  if (isAppError(err)) {
    if (err.code !== 'payload_too_large') return err
    return new AppError('upstream_failed', `WhatsApp's media host sent more than the ${maxEncrypted} bytes the message declared.`)
  }
  return new AppError('upstream_failed', 'Fetching the media from WhatsApp failed.', { cause: err })
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new AppError('upstream_timeout', `WhatsApp did not answer within ${ms} ms.`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}
