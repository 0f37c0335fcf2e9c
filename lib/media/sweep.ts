import fs from 'node:fs'
import path from 'node:path'
import type { DB } from '@/lib/db/client'
import { allMediaFilePaths, allUploadIds, deleteExpiredUploads, deleteMediaFile, evictionCandidates, mediaFilesTotal } from '@/lib/db/media'
import type { Logger } from '@/lib/logger'

/** A file younger than this that no row knows may belong to a send being accepted right now. */
const STRAY_AGE_MS = 60 * 60_000

/**
 * Removes expired uploads, and files under DATA_DIR/media that no row knows (left by a crash between
 * writing and recording) once they are an hour old. Never throws: a failed sweep is logged and the
 * next one tries again.
 */
export function sweepMediaDir({ db, dir, now, log }: { db: DB; dir: string; now: number; log: Logger }): void {
  const abs = (rel: string) => path.join(dir, rel)
  try {
    for (const id of deleteExpiredUploads({ db, now })) fs.rmSync(abs(`uploads/${id}`), { force: true })
    const uploads = allUploadIds({ db })
    for (const name of listDir(abs('uploads'))) if (!uploads.has(name)) fs.rmSync(abs(`uploads/${name}`), { force: true })
    const known = allMediaFilePaths({ db })
    const cutoff = now - STRAY_AGE_MS
    for (const top of ['out', 'cache', 'tmp']) {
      for (const account of listDir(abs(top))) {
        const sub = top === 'tmp' ? abs(top) : abs(`${top}/${account}`)
        for (const name of top === 'tmp' ? [account] : listDir(sub)) {
          const rel = top === 'tmp' ? `tmp/${name}` : `${top}/${account}/${name}`
          if (!known.has(rel) && safeMtime(abs(rel)) < cutoff) fs.rmSync(abs(rel), { force: true, recursive: true })
        }
      }
    }
  } catch (err) {
    log.warn({ err }, 'media sweep failed')
  }
}

/**
 * Drops least recently used media files until their total fits `maxBytes`: never `keep` (the file
 * just fetched), never media of a message not sent yet (evictionCandidates leaves those out).
 */
export function evictMediaCache({
  db,
  dir,
  maxBytes,
  keep,
  log,
}: {
  db: DB
  dir: string
  maxBytes: number
  keep?: number
  log: Logger
}): void {
  let total = mediaFilesTotal({ db })
  if (total <= maxBytes) return
  for (const f of evictionCandidates({ db, limit: 1000 })) {
    if (total <= maxBytes) break
    if (f.messageId === keep) continue
    fs.rmSync(path.join(dir, f.path), { force: true })
    deleteMediaFile({ db, messageId: f.messageId })
    total -= f.size
    log.debug({ messageId: f.messageId, size: f.size }, 'media evicted from the cache')
  }
}

const listDir = (d: string): string[] => {
  try {
    return fs.readdirSync(d)
  } catch {
    return []
  }
}

const safeMtime = (file: string): number => {
  try {
    return fs.statSync(file).mtimeMs
  } catch {
    return Number.POSITIVE_INFINITY
  }
}
