import fs from 'node:fs'
import type { MessageRow } from '@/lib/db/messages'
import { AppError, isAppError } from '@/lib/errors'
import type { Logger } from '@/lib/logger'
import { decodeProto, downloadMedia, type MediaInfo, mediaInfoOf } from '@/lib/whatsapp/media'
import { statusCodeOf, type WaSocket } from '@/lib/whatsapp/socket'
import { writeStreamToFile, type WrittenFile } from './files'

/** WhatsApp's media host answers these when its copy is gone: the sender's phone can upload it again. */
const REUPLOAD_STATUSES = new Set([404, 410])

/**
 * Downloads a logged message's media from WhatsApp into `target`, decrypted and checked against the
 * hash the sender declared. When WhatsApp's link has expired it asks the sender's phone, once, to
 * upload the media again (needs the account connected). Nothing is left at `target` when it fails,
 * and every failure is an AppError (not_found, not_connected, media_gone, upstream_failed,
 * upstream_timeout).
 */
export async function downloadMessageMedia(opts: {
  accountId: string
  row: MessageRow
  target: string
  timeoutMs: number
  connectedSocket: () => WaSocket | undefined
  log: Logger
}): Promise<{ written: WrittenFile; info: MediaInfo }> {
  const { row, target, timeoutMs } = opts
  if (!row.proto) throw new AppError('media_gone', 'The message was never sent, so WhatsApp has no copy of its media.')
  let message = decodeProto(row.proto)
  const info = mediaInfoOf(message)
  if (!info) throw new AppError('not_found', 'The message carries no media.')
  const attempt = async () => {
    const stream = await withTimeout(downloadMedia(message), timeoutMs)
    return writeStreamToFile(stream, target, { capFor: () => Number.POSITIVE_INFINITY, timeoutMs })
  }
  let written: WrittenFile
  try {
    written = await attempt()
  } catch (err) {
    const status = statusCodeOf(err)
    if (!status || !REUPLOAD_STATUSES.has(status)) throw asUpstream(err)
    const sock = opts.connectedSocket()
    if (!sock) {
      throw new AppError(
        'not_connected',
        'WhatsApp no longer has this media; connect the account so the sender can be asked to upload it again.',
      )
    }
    opts.log.info({ accountId: opts.accountId, msgId: row.waMessageId, status }, 'media link expired; asking the sender to upload it again')
    try {
      message = await sock.reuploadMedia(
        {
          remoteJid: row.chatJid,
          fromMe: row.direction === 'out',
          id: row.waMessageId,
          ...(row.senderJid && row.direction === 'in' && row.senderJid !== row.chatJid ? { participant: row.senderJid } : {}),
        },
        message,
      )
      written = await attempt()
    } catch (retryErr) {
      if (isAppError(retryErr)) throw retryErr
      throw new AppError('media_gone', 'WhatsApp no longer has this media and the sender could not upload it again.', { cause: retryErr })
    }
  }
  if (info.sha256 && written.sha256 !== info.sha256) {
    fs.rmSync(target, { force: true })
    throw new AppError('upstream_failed', 'The downloaded media does not match the hash the sender declared.')
  }
  return { written, info }
}

function asUpstream(err: unknown): AppError {
  if (isAppError(err)) return err
  const status = statusCodeOf(err)
  return new AppError('upstream_failed', `Fetching the media from WhatsApp failed${status ? ` (HTTP ${status})` : ''}.`, { cause: err })
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new AppError('upstream_timeout', `WhatsApp's media host did not answer within ${ms} ms.`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}
