import { and, eq, sql } from 'drizzle-orm'
import type { DB } from './client'
import { messages, type MessageStatus } from './schema'

export type MessageRow = typeof messages.$inferInsert

/**
 * Stores messages idempotently: a replayed upsert (Baileys' offline 'append') updates the row it
 * already has instead of adding a second one. All rows of one batch commit together.
 */
export function upsertMessages({ db, rows }: { db: DB; rows: MessageRow[] }): void {
  if (rows.length === 0) return
  db.$client
    .transaction(() => {
      for (const row of rows) {
        db.insert(messages)
          .values(row)
          .onConflictDoUpdate({
            target: [messages.accountId, messages.chatJid, messages.waMessageId, messages.direction],
            set: {
              proto: sql`coalesce(excluded.proto, ${messages.proto})`,
              text: sql`coalesce(excluded.text, ${messages.text})`,
              updatedAt: Date.now(),
            },
          })
          .run()
      }
    })
    .immediate()
}

export function updateMessageStatus({
  db,
  accountId,
  chatJid,
  waMessageId,
  status,
}: {
  db: DB
  accountId: string
  chatJid: string
  waMessageId: string
  status: MessageStatus
}): void {
  db.update(messages)
    .set({ status, updatedAt: Date.now() })
    .where(
      and(
        eq(messages.accountId, accountId),
        eq(messages.chatJid, chatJid),
        eq(messages.waMessageId, waMessageId),
        eq(messages.direction, 'out'),
      ),
    )
    .run()
}

/** The stored message content Baileys asks back for retries; undefined when we never stored it. */
export function findMessageProto({
  db,
  accountId,
  chatJid,
  waMessageId,
}: {
  db: DB
  accountId: string
  chatJid: string
  waMessageId: string
}): Buffer | undefined {
  const row = db
    .select({ proto: messages.proto })
    .from(messages)
    .where(and(eq(messages.accountId, accountId), eq(messages.chatJid, chatJid), eq(messages.waMessageId, waMessageId)))
    .get()
  return row?.proto ?? undefined
}
