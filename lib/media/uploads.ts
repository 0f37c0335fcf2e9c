import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Readable } from 'node:stream'
import type { DB } from '@/lib/db/client'
import { insertUpload, uploadBytesOf } from '@/lib/db/media'
import { AppError } from '@/lib/errors'
import { writeStreamToFile } from './files'
import { baseType, capForType, checkMedia, cleanFileName, type MediaLimits } from './policy'

export type UploadView = { id: string; mimeType: string; size: number; sha256: string; fileName: string | null; expiresAt: string }

export type IncomingUpload = { stream: Readable; declaredType: string | null; fileName: string | null }

/**
 * Streams an uploaded file to `dir/uploads/<id>`, capped by what its real type may be sent as and by
 * what is left of the account's quota (bytes of its unexpired uploads); nothing is kept on failure.
 * Uploads running at the same moment are each measured against what was stored when they started.
 */
export async function storeUpload(
  deps: { db: DB; dir: string; limits: MediaLimits; uploadTtlMs: number; quotaBytes: number; now: number },
  accountId: string,
  file: IncomingUpload,
): Promise<UploadView> {
  const { db, limits, now } = deps
  const id = `med_${crypto.randomBytes(12).toString('hex')}`
  const target = path.join(deps.dir, 'uploads', id)
  const quota = deps.quotaBytes
  const left = quota - uploadBytesOf({ db, accountId, now })
  const overQuota = () =>
    new AppError(
      'quota_exceeded',
      `This account keeps at most ${quota} bytes of uploaded media (MEDIA_ACCOUNT_QUOTA_BYTES); send or let earlier uploads expire first.`,
      { details: { limit: quota, remaining: Math.max(0, left) } },
    )
  if (left <= 0) {
    file.stream.resume()
    throw overQuota()
  }
  const written = await writeStreamToFile(file.stream, target, {
    capFor: (sniffed) => Math.min(capForType(sniffed ?? baseType(file.declaredType), limits), left),
    tooLarge: (cap) =>
      cap === left
        ? overQuota()
        : new AppError('payload_too_large', `The file is larger than ${cap} bytes, the most its type can be sent as.`),
  })
  const declared = baseType(file.declaredType)
  try {
    // a declared type the bytes contradict is refused now, not at send time
    const mimeType = checkMedia(
      {
        kind: 'document',
        sniffed: written.sniffed,
        declared: declared === 'application/octet-stream' ? null : declared,
        size: written.size,
      },
      limits,
    )
    const row = {
      id,
      accountId,
      mimeType,
      size: written.size,
      sha256: written.sha256,
      fileName: cleanFileName(file.fileName),
      createdAt: now,
      expiresAt: now + deps.uploadTtlMs,
    }
    insertUpload({ db, row })
    return { id, mimeType, size: row.size, sha256: row.sha256, fileName: row.fileName, expiresAt: new Date(row.expiresAt).toISOString() }
  } catch (err) {
    fs.rmSync(target, { force: true })
    throw err
  }
}
