import { and, desc, eq, gte, inArray, lt, lte, or, type SQL, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/sqlite-core'
import type { Chat } from './chats'
import { type DB, perDb } from './client'
import type { MessageRow } from './messages'
import { chats, type MessageDirection, messages, type MessageStatus } from './schema'

/**
 * The reads behind every message the gateway shows or announces: a message row with its chat and the
 * public id of the message it quotes. Rows only; lib/messages/views.ts builds what is published.
 */
export type MessageWithChat = { m: MessageRow; c: Chat | null; quotedId: string | null }

const quoted = alias(messages, 'quoted')

const selectWithChats = (db: DB, where: SQL | undefined, limit: number): MessageWithChat[] =>
  db
    .select({ m: messages, c: chats, quotedId: quoted.publicId })
    .from(messages)
    .leftJoin(chats, eq(chats.id, messages.chatId))
    .leftJoin(quoted, and(eq(quoted.accountId, messages.accountId), eq(quoted.waMessageId, messages.quotedWaId)))
    .where(where)
    .orderBy(desc(messages.timestamp), desc(messages.id))
    .limit(limit)
    .all()

/**
 * One message by row id, prepared once per connection: announced after every send and status change.
 * Three single-table lookups, not the join selectWithChats uses: SQLite 3.54 through better-sqlite3 spends
 * ~30 µs more on any joined statement than on a primary-key read (~6 µs), and this runs several times
 * per message (bench/messages.bench.ts showed it as the largest single cost of the send path).
 */
const byIdStatements = perDb((db) => ({
  message: db
    .select()
    .from(messages)
    .where(eq(messages.id, sql.placeholder('id')))
    .prepare(),
  chat: db
    .select()
    .from(chats)
    .where(eq(chats.id, sql.placeholder('id')))
    .prepare(),
  quotedId: db
    .select({ publicId: messages.publicId })
    .from(messages)
    .where(and(eq(messages.accountId, sql.placeholder('accountId')), eq(messages.waMessageId, sql.placeholder('waMessageId'))))
    .limit(1)
    .prepare(),
}))

export function messagesByRowIds({ db, ids }: { db: DB; ids: number[] }): MessageWithChat[] {
  if (ids.length === 0) return []
  if (ids.length > 100) return selectWithChats(db, inArray(messages.id, ids), ids.length)
  // a batch (an offline burst arrives as one upsert) reads row by row through the prepared statements:
  // cheaper than building and preparing an IN (…) query each time
  const stmts = byIdStatements(db)
  const chatsSeen = new Map<number, typeof chats.$inferSelect | undefined>()
  const rows: MessageWithChat[] = []
  for (const id of ids) {
    const m = stmts.message.get({ id })
    if (!m) continue
    let c: typeof chats.$inferSelect | undefined
    if (m.chatId !== null) {
      if (!chatsSeen.has(m.chatId)) chatsSeen.set(m.chatId, stmts.chat.get({ id: m.chatId }))
      c = chatsSeen.get(m.chatId)
    }
    const quotedId = m.quotedWaId ? (stmts.quotedId.get({ accountId: m.accountId, waMessageId: m.quotedWaId })?.publicId ?? null) : null
    rows.push({ m, c: c ?? null, quotedId })
  }
  // the order selectWithChats gives: newest first, row id breaking ties
  if (rows.length > 1) rows.sort((a, b) => b.m.timestamp - a.m.timestamp || b.m.id - a.m.id)
  return rows
}

export function findMessageWithChat({
  db,
  accountId,
  publicId,
}: {
  db: DB
  accountId: string
  publicId: string
}): MessageWithChat | undefined {
  return selectWithChats(db, and(eq(messages.accountId, accountId), eq(messages.publicId, publicId)), 1)[0]
}

/** Position in a newest-first listing: (timestamp, row id), so equal timestamps keep a stable order. */
export type Cursor = { timestamp: number; id: number }

export type MessageFilter = {
  chatIds?: number[]
  direction?: MessageDirection
  types?: string[]
  statuses?: MessageStatus[]
  since?: number
  until?: number
  /** words the text must contain (case-insensitive for ASCII; each word anywhere in the text) */
  text?: string
}

/** LIKE pattern for one word, with the wildcards it contains taken literally. */
const likeWord = (w: string) => `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

/** Newest first; `limit + 1` rows are read to know whether a next page exists. */
export function listMessages({
  db,
  accountId,
  filter,
  cursor,
  limit,
}: {
  db: DB
  accountId: string
  filter: MessageFilter
  cursor?: Cursor
  limit: number
}): { items: MessageWithChat[]; next: Cursor | null } {
  const conds: (SQL | undefined)[] = [
    eq(messages.accountId, accountId),
    filter.chatIds ? inArray(messages.chatId, filter.chatIds) : undefined,
    filter.direction ? eq(messages.direction, filter.direction) : undefined,
    ...(filter.text ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 8)
      .map((w) => sql`${messages.text} like ${likeWord(w)} escape '\\'`),
    filter.types?.length ? inArray(messages.type, filter.types) : undefined,
    filter.statuses?.length ? inArray(messages.status, filter.statuses) : undefined,
    filter.since !== undefined ? gte(messages.timestamp, filter.since) : undefined,
    filter.until !== undefined ? lte(messages.timestamp, filter.until) : undefined,
    cursor
      ? or(lt(messages.timestamp, cursor.timestamp), and(eq(messages.timestamp, cursor.timestamp), lt(messages.id, cursor.id)))
      : undefined,
  ]
  const rows = selectWithChats(db, and(...conds), limit + 1)
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return { items: page, next: rows.length > limit && last ? { timestamp: last.m.timestamp, id: last.m.id } : null }
}

/** Chats newest first (by last message), each with its last message. */
export function listChats({ db, accountId, cursor, limit }: { db: DB; accountId: string; cursor?: Cursor; limit: number }): {
  items: { chat: Chat; lastMessage: MessageWithChat | null }[]
  next: Cursor | null
} {
  const rows = db
    .select()
    .from(chats)
    .where(
      and(
        eq(chats.accountId, accountId),
        cursor
          ? or(lt(chats.lastMessageAt, cursor.timestamp), and(eq(chats.lastMessageAt, cursor.timestamp), lt(chats.id, cursor.id)))
          : undefined,
      ),
    )
    .orderBy(desc(chats.lastMessageAt), desc(chats.id))
    .limit(limit + 1)
    .all()
  const page = rows.slice(0, limit)
  const lastIds = page.map((c) => c.lastMessageId).filter((id): id is number => id !== null)
  const byId = new Map(
    lastIds.length === 0 ? [] : selectWithChats(db, inArray(messages.id, lastIds), lastIds.length).map((r) => [r.m.id, r]),
  )
  const last = page.at(-1)
  return {
    items: page.map((c) => ({ chat: c, lastMessage: (c.lastMessageId !== null ? byId.get(c.lastMessageId) : undefined) ?? null })),
    next: rows.length > limit && last ? { timestamp: last.lastMessageAt ?? 0, id: last.id } : null,
  }
}
