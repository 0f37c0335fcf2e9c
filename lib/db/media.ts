import { and, asc, eq, gt, lte, notInArray, sql } from 'drizzle-orm'
import type { DB } from './client'
import { mediaFiles, mediaUploads, messages } from './schema'

export type MediaUploadRow = typeof mediaUploads.$inferSelect
export type MediaFileRow = typeof mediaFiles.$inferSelect

export function insertUpload({ db, row }: { db: DB; row: MediaUploadRow }): void {
  db.insert(mediaUploads).values(row).run()
}

export function findUpload({ db, accountId, id }: { db: DB; accountId: string; id: string }): MediaUploadRow | undefined {
  return db
    .select()
    .from(mediaUploads)
    .where(and(eq(mediaUploads.id, id), eq(mediaUploads.accountId, accountId)))
    .get()
}

/** Deletes the rows of uploads expired at `now` and returns their ids (the caller removes the files). */
export function deleteExpiredUploads({ db, now }: { db: DB; now: number }): string[] {
  return db
    .delete(mediaUploads)
    .where(lte(mediaUploads.expiresAt, now))
    .returning({ id: mediaUploads.id })
    .all()
    .map((r) => r.id)
}

/** Bytes of the account's uploads that have not expired at `now` (what its upload quota counts). */
export function uploadBytesOf({ db, accountId, now }: { db: DB; accountId: string; now: number }): number {
  return (
    db
      .select({ n: sql<number>`coalesce(sum(${mediaUploads.size}), 0)` })
      .from(mediaUploads)
      .where(and(eq(mediaUploads.accountId, accountId), gt(mediaUploads.expiresAt, now)))
      .get()?.n ?? 0
  )
}

export function allUploadIds({ db }: { db: DB }): Set<string> {
  return new Set(
    db
      .select({ id: mediaUploads.id })
      .from(mediaUploads)
      .all()
      .map((r) => r.id),
  )
}

export function upsertMediaFile({ db, row }: { db: DB; row: MediaFileRow }): void {
  db.insert(mediaFiles)
    .values(row)
    .onConflictDoUpdate({
      target: mediaFiles.messageId,
      set: {
        path: row.path,
        mimeType: row.mimeType,
        size: row.size,
        sha256: row.sha256,
        fileName: row.fileName,
        lastUsedAt: row.lastUsedAt,
      },
    })
    .run()
}

export function findMediaFile({ db, messageId }: { db: DB; messageId: number }): MediaFileRow | undefined {
  return db.select().from(mediaFiles).where(eq(mediaFiles.messageId, messageId)).get()
}

export function touchMediaFile({ db, messageId, now }: { db: DB; messageId: number; now: number }): void {
  db.update(mediaFiles).set({ lastUsedAt: now }).where(eq(mediaFiles.messageId, messageId)).run()
}

export function deleteMediaFile({ db, messageId }: { db: DB; messageId: number }): void {
  db.delete(mediaFiles).where(eq(mediaFiles.messageId, messageId)).run()
}

export function mediaFilesTotal({ db }: { db: DB }): number {
  return (
    db
      .select({ n: sql<number>`coalesce(sum(${mediaFiles.size}), 0)` })
      .from(mediaFiles)
      .get()?.n ?? 0
  )
}

/**
 * The least recently used files that may go: never those of messages still waiting to be sent (their
 * file is what the queue will send), oldest use first.
 */
export function evictionCandidates({ db, limit }: { db: DB; limit: number }): MediaFileRow[] {
  const waiting = db
    .select({ id: messages.id })
    .from(messages)
    .where(sql`${messages.status} in ('queued', 'pending')`)
  return db
    .select()
    .from(mediaFiles)
    .where(notInArray(mediaFiles.messageId, waiting))
    .orderBy(asc(mediaFiles.lastUsedAt))
    .limit(limit)
    .all()
}

export function allMediaFilePaths({ db }: { db: DB }): Set<string> {
  return new Set(
    db
      .select({ path: mediaFiles.path })
      .from(mediaFiles)
      .all()
      .map((r) => r.path),
  )
}
