import { and, eq, or, sql } from 'drizzle-orm'
import { type DB, perDb } from './client'
import { chats, messages } from './schema'

export type Chat = typeof chats.$inferSelect

/** A 1:1 partner's address in both forms where known (user JIDs without device). */
export type ChatKey = { jid: string; pnJid: string | null; lid: string | null }

const phoneOf = (pnJid: string | null) => (pnJid ? (pnJid.split('@')[0] ?? null) : null)

/**
 * The one chat of a contact, whichever address form the caller has: found by phone or by LID (or
 * by JID for groups), created when new, and completed with the form it lacked. When a message
 * reveals that a phone-keyed chat and a LID-keyed chat are the same person, the LID chat's messages
 * move into the phone chat and the LID chat goes. Call inside the caller's transaction.
 */
export function ensureChat({ db, accountId, key, name }: { db: DB; accountId: string; key: ChatKey; name?: string | null }): Chat {
  const phone = phoneOf(key.pnJid)
  // `phone = NULL` matches nothing, so one prepared statement serves every combination of forms.
  const found = statements(db).candidates.all({ accountId, phone, lid: key.lid, jid: !phone && !key.lid ? key.jid : null })
  const now = Date.now()
  if (found.length === 0) {
    return db
      .insert(chats)
      .values({ accountId, jid: key.pnJid ?? key.lid ?? key.jid, phone, lid: key.lid, name: name ?? null, createdAt: now, updatedAt: now })
      .returning()
      .get()
  }
  let chat = found.find((c) => phone && c.phone === phone) ?? found[0]
  if (!chat) throw new Error('unreachable: a found chat')
  for (const other of found) {
    if (other.id === chat.id) continue
    db.update(messages).set({ chatId: chat.id }).where(eq(messages.chatId, other.id)).run()
    db.update(chats)
      .set({ unreadCount: sql`${chats.unreadCount} + ${other.unreadCount}` })
      .where(eq(chats.id, chat.id))
      .run()
    db.delete(chats).where(eq(chats.id, other.id)).run()
  }
  const patch: Partial<Chat> = {}
  if (phone && !chat.phone) Object.assign(patch, { phone, jid: key.pnJid })
  if (key.lid && !chat.lid) patch.lid = key.lid
  if (name && name !== chat.name) patch.name = name
  if (found.length > 1 || Object.keys(patch).length) {
    chat = db
      .update(chats)
      .set({ ...patch, updatedAt: now })
      .where(eq(chats.id, chat.id))
      .returning()
      .get()
  }
  return chat
}

/** A new message in the chat: it becomes the last one; an incoming one counts as unread, an outgoing one clears them. */
export function touchChat({
  db,
  chatId,
  messageId,
  at,
  incoming,
}: {
  db: DB
  chatId: number
  messageId: number
  at: number
  incoming: boolean
}): void {
  statements(db).touch.run({ chatId, messageId, at, incoming: incoming ? 1 : 0, now: Date.now() })
}

/** The statements every message runs, prepared once per connection (drizzle's query building costs more than SQLite). */
function prepare(db: DB) {
  const at = sql.placeholder('at')
  const newer = sql`${chats.lastMessageAt} is null or ${chats.lastMessageAt} <= ${at}`
  return {
    candidates: db
      .select()
      .from(chats)
      .where(
        and(
          eq(chats.accountId, sql.placeholder('accountId')),
          or(eq(chats.phone, sql.placeholder('phone')), eq(chats.lid, sql.placeholder('lid')), eq(chats.jid, sql.placeholder('jid'))),
        ),
      )
      .prepare(),
    touch: db
      .update(chats)
      .set({
        lastMessageId: sql`case when ${newer} then ${sql.placeholder('messageId')} else ${chats.lastMessageId} end`,
        lastMessageAt: sql`case when ${newer} then ${at} else ${chats.lastMessageAt} end`,
        unreadCount: sql`case when ${sql.placeholder('incoming')} = 1 then ${chats.unreadCount} + 1 else 0 end`,
        updatedAt: sql`${sql.placeholder('now')}`,
      })
      .where(eq(chats.id, sql.placeholder('chatId')))
      .prepare(),
  }
}
const statements = perDb(prepare)

export function findChat({ db, accountId, key }: { db: DB; accountId: string; key: ChatKey }): Chat | undefined {
  const phone = phoneOf(key.pnJid)
  const conds = [...(phone ? [eq(chats.phone, phone)] : []), ...(key.lid ? [eq(chats.lid, key.lid)] : []), eq(chats.jid, key.jid)]
  return db
    .select()
    .from(chats)
    .where(and(eq(chats.accountId, accountId), or(...conds)))
    .get()
}
