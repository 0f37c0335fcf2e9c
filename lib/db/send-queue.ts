import { and, asc, eq, gt, inArray, isNotNull, lt, sql } from 'drizzle-orm'
import { type ChatKey, ensureChat, touchChat } from './chats'
import { AppError } from '@/lib/errors'
import { type DB, perDb } from './client'
import { type MessageRow, newPublicId, type OnMessageNews } from './messages'
import { idempotencyKeys, messages, sendQueues } from './schema'

export type QueueRow = typeof sendQueues.$inferSelect

const OWED = ['queued', 'pending'] as const

/**
 * The queue's hot statements, prepared once per connection: building a query through drizzle costs
 * more CPU than SQLite running it, and the send loop runs these for every message (bench/messages).
 */
function prepare(db: DB) {
  const accountId = sql.placeholder('accountId')
  const id = sql.placeholder('id')
  return {
    nextOwed: db
      .select()
      .from(messages)
      .where(and(eq(messages.accountId, accountId), isNotNull(messages.request), inArray(messages.status, [...OWED])))
      .orderBy(asc(messages.id))
      .limit(1)
      .prepare(),
    // nextOwed and its claim in one statement: the send loop's hottest write
    claimNext: db
      .update(messages)
      .set({ status: 'pending', updatedAt: sql`${sql.placeholder('now')}` })
      .where(
        eq(
          messages.id,
          sql`(select m.id from messages m where m.account_id = ${accountId} and m.request is not null and m.status in ('queued', 'pending') order by m.id limit 1)`,
        ),
      )
      .returning()
      .prepare(),
    // queued/pending → sent; a receipt that raced ahead (delivered, read) keeps its status
    markSent: db
      .update(messages)
      .set({
        status: sql`case when ${messages.status} in ('queued', 'pending') then 'sent' else ${messages.status} end`,
        sentAt: sql`${sql.placeholder('sentAt')}`,
        request: null,
        proto: sql`coalesce(${sql.placeholder('proto')}, ${messages.proto})`,
        updatedAt: sql`${sql.placeholder('now')}`,
      })
      .where(eq(messages.id, id))
      .prepare(),
    queueRow: db.select().from(sendQueues).where(eq(sendQueues.accountId, accountId)).prepare(),
    insertOutgoing: db
      .insert(messages)
      .values({
        publicId: sql.placeholder('publicId'),
        accountId: sql.placeholder('accountId'),
        chatId: sql.placeholder('chatId'),
        chatJid: sql.placeholder('chatJid'),
        waMessageId: sql.placeholder('waMessageId'),
        direction: 'out',
        type: sql.placeholder('type'),
        text: sql.placeholder('text'),
        content: sql.placeholder('content'),
        quotedWaId: sql.placeholder('quotedWaId'),
        status: 'queued',
        request: sql.placeholder('request'),
        timestamp: sql.placeholder('now'),
        createdAt: sql.placeholder('now'),
        updatedAt: sql.placeholder('now'),
      })
      .returning()
      .prepare(),
    owedIds: db
      .select({ id: messages.publicId })
      .from(messages)
      .where(and(eq(messages.accountId, accountId), isNotNull(messages.request), inArray(messages.status, [...OWED])))
      .orderBy(asc(messages.id))
      .prepare(),
    statusOf: db.select({ status: messages.status, accountId: messages.accountId }).from(messages).where(eq(messages.id, id)).prepare(),
  }
}
const statements = perDb(prepare)

/** What an accepted send becomes: a `queued` row that still owes its `request`. */
export type NewOutgoing = {
  accountId: string
  chat: ChatKey
  waMessageId: string
  type: string
  text: string | null
  content: Record<string, unknown>
  quotedWaId: string | null
  request: Record<string, unknown>
}

export type Idempotency = { key: string; requestHash: string; ttlMs: number }

/** How many messages one account may have waiting (queued or on their way), and the setting that says so. */
export type QueueLimit = { max: number; setting: string }

export type AcceptResult = { row: MessageRow; duplicate: boolean; mismatch: boolean }

/**
 * Stores an accepted send, or — with an idempotency key seen within its TTL — returns the message the
 * first request created. One IMMEDIATE transaction: the key's primary key settles two simultaneous
 * requests (also from two processes) on one row. An expired key is replaced. With `limit`, a queue
 * that already holds `limit.max` owed messages refuses the new one (429 quota_exceeded, nothing
 * stored); a repeated idempotent request still gets its first answer.
 */
export function acceptOutgoing({
  db,
  input,
  idempotency,
  limit,
  now = Date.now(),
}: {
  db: DB
  input: NewOutgoing
  idempotency?: Idempotency
  limit?: QueueLimit
  now?: number
}): AcceptResult {
  return db.$client
    .transaction((): AcceptResult => {
      if (idempotency) {
        const prior = db
          .select({ key: idempotencyKeys, message: messages })
          .from(idempotencyKeys)
          .innerJoin(messages, eq(messages.id, idempotencyKeys.messageId))
          .where(and(eq(idempotencyKeys.accountId, input.accountId), eq(idempotencyKeys.key, idempotency.key)))
          .get()
        if (prior && prior.key.createdAt > now - idempotency.ttlMs) {
          return { row: prior.message, duplicate: true, mismatch: prior.key.requestHash !== idempotency.requestHash }
        }
        if (prior) {
          db.delete(idempotencyKeys)
            .where(and(eq(idempotencyKeys.accountId, input.accountId), eq(idempotencyKeys.key, idempotency.key)))
            .run()
        }
      }
      if (limit) {
        const owed = countQueued({ db, accountId: input.accountId })
        if (owed >= limit.max)
          throw new AppError(
            'quota_exceeded',
            `The send queue of account "${input.accountId}" holds ${owed} messages, the most it may (${limit.setting}=${limit.max}). Send again once some have gone out.`,
            { details: { limit: limit.max, queued: owed } },
          )
      }
      const chat = ensureChat({ db, accountId: input.accountId, key: input.chat })
      // drizzle encodes placeholder values with their column (JSON columns take the objects)
      const row = statements(db).insertOutgoing.get({
        publicId: newPublicId(now),
        accountId: input.accountId,
        chatId: chat.id,
        chatJid: chat.jid,
        waMessageId: input.waMessageId,
        type: input.type,
        text: input.text,
        content: input.content,
        quotedWaId: input.quotedWaId,
        request: input.request,
        now,
      })
      if (input.type !== 'reaction') touchChat({ db, chatId: chat.id, messageId: row.id, at: now, incoming: false })
      if (idempotency) {
        db.insert(idempotencyKeys)
          .values({
            accountId: input.accountId,
            key: idempotency.key,
            requestHash: idempotency.requestHash,
            messageId: row.id,
            createdAt: now,
          })
          .run()
      }
      return { row, duplicate: false, mismatch: false }
    })
    .immediate()
}

/**
 * The oldest message the account still owes WhatsApp: `queued`, or `pending` when a crash hit between
 * claiming and recording the send (re-sent with the same WhatsApp id, which recipients deduplicate).
 */
export function nextOwed({ db, accountId }: { db: DB; accountId: string }): MessageRow | undefined {
  return statements(db).nextOwed.get({ accountId })
}

/** Accounts with owed messages (restart: their queues resume once connected). */
export function accountsWithOwed({ db }: { db: DB }): string[] {
  return db
    .selectDistinct({ accountId: messages.accountId })
    .from(messages)
    .where(and(isNotNull(messages.request), inArray(messages.status, ['queued', 'pending'])))
    .all()
    .map((r) => r.accountId)
}

export function countQueued({ db, accountId }: { db: DB; accountId: string }): number {
  return (
    db
      .select({ n: sql<number>`count(*)` })
      .from(messages)
      .where(and(eq(messages.accountId, accountId), isNotNull(messages.request), inArray(messages.status, ['queued', 'pending'])))
      .get()?.n ?? 0
  )
}

/**
 * Where queued messages stand: 1 is the next to go out. One query for any number of rows (a list
 * page), answered from the (account, status) index.
 */
export function queuePositions({ db, accountId, publicIds }: { db: DB; accountId: string; publicIds: string[] }): Map<string, number> {
  const out = new Map<string, number>()
  if (publicIds.length === 0) return out
  const owed = statements(db).owedIds.all({ accountId })
  const wanted = new Set(publicIds)
  owed.forEach((r, i) => {
    if (r.id !== null && wanted.has(r.id)) out.set(r.id, i + 1)
  })
  return out
}

/**
 * Claims the account's oldest owed message for sending (queued → pending, or pending again after a
 * crash) and returns it; undefined when the account owes nothing. One statement, so a cancel can
 * never slip between choosing the row and claiming it.
 */
export function claimNextOwed({ db, accountId, now = Date.now() }: { db: DB; accountId: string; now?: number }): MessageRow | undefined {
  return statements(db).claimNext.get({ accountId, now })
}

/** Back to the queue (the socket went away mid-send): sent again, in order, after reconnecting. */
export function requeue({ db, id }: { db: DB; id: number }): void {
  db.update(messages)
    .set({ status: 'queued', updatedAt: Date.now() })
    .where(and(eq(messages.id, id), eq(messages.status, 'pending')))
    .run()
}

/** The stanza went out: queued/pending → sent, with its event, in one transaction. */
export function markSent({
  db,
  id,
  proto,
  timestamp,
  onNews,
}: {
  db: DB
  id: number
  proto: Buffer | null
  timestamp: number
  onNews: OnMessageNews
}): void {
  const stmt = statements(db)
  db.$client
    .transaction(() => {
      const before = stmt.statusOf.get({ id })
      stmt.markSent.run({ id, proto, sentAt: timestamp, now: Date.now() })
      // the echo of the message (Baileys' upsert) may have moved it to sent first, with the event
      if (before && (before.status === 'queued' || before.status === 'pending'))
        onNews(db, { type: 'message.status', accountId: before.accountId, messageId: id, status: 'sent' })
    })
    .immediate()
}

export function markFailed({
  db,
  id,
  reason,
  errorCode,
  onNews,
}: {
  db: DB
  id: number
  reason: string
  errorCode?: number | null
  onNews: OnMessageNews
}): void {
  db.$client
    .transaction(() => {
      const row = db
        .update(messages)
        .set({ status: 'failed', statusReason: reason, errorCode: errorCode ?? null, request: null, updatedAt: Date.now() })
        .where(eq(messages.id, id))
        .returning({ accountId: messages.accountId })
        .get()
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- an update that matches none returns undefined
      if (row) onNews(db, { type: 'message.status', accountId: row.accountId, messageId: id, status: 'failed' })
    })
    .immediate()
}

/** queued → cancelled; false when it was not queued any more (in flight or sent). */
export function cancelQueued({ db, id, onNews }: { db: DB; id: number; onNews: OnMessageNews }): boolean {
  return db.$client
    .transaction(() => {
      const row = db
        .update(messages)
        .set({ status: 'cancelled', statusReason: 'cancelled before it was sent', request: null, updatedAt: Date.now() })
        .where(and(eq(messages.id, id), eq(messages.status, 'queued')))
        .returning({ accountId: messages.accountId })
        .get()
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- an update that matches none returns undefined
      if (!row) return false
      onNews(db, { type: 'message.status', accountId: row.accountId, messageId: id, status: 'cancelled' })
      return true
    })
    .immediate()
}

/** A queued message's request changes before it is sent (an edit of a message not yet out). */
export function updateQueuedRequest({
  db,
  id,
  request,
  text,
  content,
}: {
  db: DB
  id: number
  request: Record<string, unknown>
  text: string
  content: Record<string, unknown>
}): boolean {
  const res = db
    .update(messages)
    .set({ request, text, content, editedAt: Date.now(), updatedAt: Date.now() })
    .where(and(eq(messages.id, id), eq(messages.status, 'queued')))
    .run()
  return res.changes === 1
}

export function getQueueRow({ db, accountId }: { db: DB; accountId: string }): QueueRow | undefined {
  return statements(db).queueRow.get({ accountId })
}

export function saveQueueRow({
  db,
  accountId,
  patch,
}: {
  db: DB
  accountId: string
  patch: Partial<Omit<QueueRow, 'accountId'>>
}): QueueRow {
  return db
    .insert(sendQueues)
    .values({ accountId, ...patch, updatedAt: Date.now() })
    .onConflictDoUpdate({ target: sendQueues.accountId, set: { ...patch, updatedAt: Date.now() } })
    .returning()
    .get()
}

/** Send times of the last minute (pacing after a restart starts from what really went out). */
export function recentSendTimes({ db, accountId, since }: { db: DB; accountId: string; since: number }): number[] {
  return db
    .select({ at: messages.sentAt })
    .from(messages)
    .where(and(eq(messages.accountId, accountId), eq(messages.direction, 'out'), gt(messages.sentAt, since)))
    .all()
    .map((r) => r.at ?? 0)
}

/** Idempotency keys older than their TTL. */
export function pruneIdempotencyKeys({ db, before }: { db: DB; before: number }): number {
  return db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before)).run().changes
}
