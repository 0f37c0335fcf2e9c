import crypto from 'node:crypto'
import { and, eq, inArray, sql } from 'drizzle-orm'
import { type ChatKey, ensureChat, touchChat } from './chats'
import { type DB, perDb } from './client'
import { applyEffect } from './message-effects'
import { canAdvance } from './message-status'
import { earlyStatuses, messages, type MessageDirection, type MessageStatus } from './schema'

export type MessageRow = typeof messages.$inferSelect

/** The API's message id: time-ordered prefix (so ids sort roughly by creation) and 80 random bits. */
export function newPublicId(now = Date.now()): string {
  return `msg_${now.toString(36).padStart(9, '0')}${crypto.randomBytes(10).toString('hex')}`
}

/** What the log keeps of a message Baileys reported (lib/whatsapp/messages.ts parseWaMessage makes it). */
export type LogInput = {
  waMessageId: string
  /** the JID the message itself used */
  remoteJid: string
  chat: ChatKey
  direction: MessageDirection
  senderJid: string | null
  pushName: string | null
  /** text, location, contacts, reaction, or the WhatsApp kind (image, sticker…); edits and deletes only have an effect */
  type: string
  text: string | null
  /** the kind's fields as the API shows them */
  content: Record<string, unknown> | null
  quotedWaId: string | null
  /** what the message does to an earlier one, instead of (or besides) being shown itself */
  effect:
    | { kind: 'reaction'; targetWaId: string; emoji: string }
    | { kind: 'edit'; targetWaId: string; text: string }
    | { kind: 'delete'; targetWaId: string }
    | null
  status: MessageStatus
  /** a refused message: WhatsApp's code and why (Baileys may fold the refusal into the upsert) */
  errorCode: number | null
  statusReason: string | null
  proto: Buffer
  timestamp: number
}

/** An edit or delete the log did not apply: someone other than the message's sender sent it in a group. */
export type IgnoredEffect = {
  kind: 'edit' | 'delete'
  chatJid: string
  /** the target's row id and WhatsApp id */
  targetId: number
  targetWaId: string
  from: string | null
  author: string | null
}

/**
 * What a message write reports for the outbox, inside its transaction, at the moment it happens: row
 * ids and what changed. The caller's `onNews` (lib/messages/outbox.ts) builds the event with the
 * message as it is at that moment and records it in the same transaction: lib/db stores rows, the
 * message module builds what it publishes.
 */
export type MessageNews =
  | { type: 'message.received' | 'message.sent' | 'message.edited' | 'message.deleted'; accountId: string; messageId: number }
  | { type: 'message.status'; accountId: string; messageId: number; status: MessageStatus }
  | {
      type: 'message.reaction'
      accountId: string
      /** the message reacted to, when the log has it */
      targetId: number | null
      /** the reaction's own row, when the log stores one */
      reactionRowId: number | null
      reaction: { messageId: string; from: string; emoji: string; at: number }
    }
export type OnMessageNews = (db: DB, news: MessageNews) => void

/** Row ids the write created or changed, for the events announced after commit; effects it refused, for the log. */
export type LogChanges = { created: number[]; updated: number[]; ignored?: IgnoredEffect[] }

/** Looked up for every echo, receipt and status of a message: prepared once per connection. */
const byWaIdStatements = perDb((db) => {
  const accountId = sql.placeholder('accountId')
  const waMessageId = sql.placeholder('waMessageId')
  return {
    any: db
      .select()
      .from(messages)
      .where(and(eq(messages.accountId, accountId), eq(messages.waMessageId, waMessageId)))
      .prepare(),
    inDirection: db
      .select()
      .from(messages)
      .where(
        and(eq(messages.accountId, accountId), eq(messages.waMessageId, waMessageId), eq(messages.direction, sql.placeholder('direction'))),
      )
      .prepare(),
  }
})

/** The echo of a message already logged (every send comes back once): prepared once per connection. */
const echoStatement = perDb((db) =>
  db
    .update(messages)
    .set({
      chatId: sql`${sql.placeholder('chatId')}`,
      proto: sql`coalesce(${messages.proto}, ${sql.placeholder('proto')})`,
      updatedAt: sql`${sql.placeholder('now')}`,
    })
    .where(eq(messages.id, sql.placeholder('id')))
    .prepare(),
)

/** Every new message row goes through this one statement (the log's hottest insert). */
const INSERT_FIELDS = [
  'publicId',
  'accountId',
  'chatId',
  'chatJid',
  'waMessageId',
  'direction',
  'senderJid',
  'type',
  'text',
  'content',
  'quotedWaId',
  'status',
  'errorCode',
  'statusReason',
  'proto',
  'timestamp',
  'sentAt',
] as const
type InsertValues = Pick<typeof messages.$inferInsert, (typeof INSERT_FIELDS)[number]>
const insertStatement = perDb((db) =>
  db
    .insert(messages)
    // raw placeholders (no column encoders): the caller gives driver values, `content` already JSON
    .values(Object.fromEntries(INSERT_FIELDS.map((f) => [f, sql`${sql.placeholder(f)}`])) as unknown as typeof messages.$inferInsert)
    .returning({ id: messages.id })
    .prepare(),
)
function insertMessage(db: DB, values: Required<{ [K in keyof InsertValues]: InsertValues[K] | null }>): { id: number } {
  return insertStatement(db).get({ ...values, content: values.content === null ? null : JSON.stringify(values.content) })
}

const findByWaId = (db: DB, accountId: string, waMessageId: string, direction?: MessageDirection): MessageRow | undefined => {
  const stmt = byWaIdStatements(db)
  return direction ? stmt.inDirection.get({ accountId, waMessageId, direction }) : stmt.any.get({ accountId, waMessageId })
}

/** The status a row moves to, with its timestamp column; undefined when it must not move. */
export function statusPatch(row: Pick<MessageRow, 'status'>, to: MessageStatus, at = Date.now()): Partial<MessageRow> | undefined {
  if (!canAdvance(row.status, to)) return undefined
  const patch: Partial<MessageRow> = { status: to, updatedAt: at }
  if (to === 'sent') patch.sentAt = at
  if (to === 'delivered') patch.deliveredAt = at
  if (to === 'read' || to === 'played') patch.readAt = at
  return patch
}

/** A status that came before its message: kept (the furthest one) until the message is logged. */
function keepEarlyStatus(
  db: DB,
  e: { accountId: string; waMessageId: string; status: MessageStatus; errorCode?: number | null; reason?: string | null },
) {
  const prior = db
    .select()
    .from(earlyStatuses)
    .where(and(eq(earlyStatuses.accountId, e.accountId), eq(earlyStatuses.waMessageId, e.waMessageId)))
    .get()
  if (prior && !canAdvance(prior.status, e.status)) return
  const row = { status: e.status, errorCode: e.errorCode ?? null, reason: e.reason ?? null, at: Date.now() }
  db.insert(earlyStatuses)
    .values({ accountId: e.accountId, waMessageId: e.waMessageId, ...row })
    .onConflictDoUpdate({ target: [earlyStatuses.accountId, earlyStatuses.waMessageId], set: row })
    .run()
}

/** Applies (and forgets) a status that arrived before this new row of ours. */
function applyEarlyStatus(
  db: DB,
  accountId: string,
  row: { id: number; waMessageId: string; status: MessageStatus },
): MessageStatus | undefined {
  const early = db
    .select()
    .from(earlyStatuses)
    .where(and(eq(earlyStatuses.accountId, accountId), eq(earlyStatuses.waMessageId, row.waMessageId)))
    .get()
  if (!early) return undefined
  db.delete(earlyStatuses)
    .where(and(eq(earlyStatuses.accountId, accountId), eq(earlyStatuses.waMessageId, row.waMessageId)))
    .run()
  const patch = statusPatch(row, early.status, early.at)
  if (!patch) return undefined
  db.update(messages)
    .set({ ...patch, ...(early.errorCode ? { errorCode: early.errorCode } : {}), ...(early.reason ? { statusReason: early.reason } : {}) })
    .where(eq(messages.id, row.id))
    .run()
  return early.status
}

const OUT_STATUSES_SENT: readonly MessageStatus[] = ['sent', 'delivered', 'read', 'played']

/**
 * Writes what Baileys reported, in one IMMEDIATE transaction: each message lands in its contact's one
 * chat (whichever address form it used), a replay (offline `append`) updates the row it already has
 * instead of adding one, a status only moves forward, and reactions, edits and deletes update their
 * target. Edits and deletes are not rows of their own.
 */
export function logMessages({
  db,
  accountId,
  items,
  alsoInTransaction,
  onNews,
}: {
  db: DB
  accountId: string
  items: LogInput[]
  /** more writes that commit or roll back with these (the sink's decrypt-journal cleanup) */
  alsoInTransaction?: () => void
  onNews: OnMessageNews
}): LogChanges {
  const changes: LogChanges = { created: [], updated: [] }
  if (items.length === 0 && !alsoInTransaction) return changes
  db.$client
    .transaction(() => {
      for (const input of items) {
        const chat = ensureChat({ db, accountId, key: input.chat, name: input.direction === 'in' ? input.pushName : undefined })
        if (input.effect && input.effect.kind !== 'reaction') {
          applyEffect(db, accountId, chat.id, input, changes, null, onNews)
          continue
        }
        const existing = findByWaId(db, accountId, input.waMessageId, input.direction)
        if (existing) {
          const patch = statusPatch(existing, input.status) ?? {}
          // A refusal folded into the upsert: the message fails now, or a failure seen earlier gains its code.
          const refused =
            input.status === 'failed' && (patch.status === 'failed' || (existing.status === 'failed' && existing.errorCode === null))
          if (!patch.status && !refused) {
            // The common case, the echo of a message we sent: the row only gains its chat and content.
            // Nothing to write when it has both, or when it is the send queue's message in flight
            // (claimed, still owing its request): marking it sent stores the same content next.
            const inFlight = existing.status === 'pending' && existing.request !== null
            if (existing.chatId !== null && (existing.proto !== null || inFlight)) continue
            echoStatement(db).run({ id: existing.id, chatId: existing.chatId ?? chat.id, proto: input.proto, now: Date.now() })
            changes.updated.push(existing.id)
            continue
          }
          db.update(messages)
            .set({
              ...patch,
              ...(refused ? { errorCode: input.errorCode, statusReason: input.statusReason } : {}),
              chatId: existing.chatId ?? chat.id,
              proto: sql`coalesce(${messages.proto}, ${input.proto})`,
              updatedAt: Date.now(),
            })
            .where(eq(messages.id, existing.id))
            .run()
          changes.updated.push(existing.id)
          if (patch.status) onNews(db, { type: 'message.status', accountId, messageId: existing.id, status: patch.status })
          continue
        }
        const row = insertMessage(db, {
          publicId: newPublicId(input.timestamp),
          accountId,
          chatId: chat.id,
          chatJid: input.remoteJid,
          waMessageId: input.waMessageId,
          direction: input.direction,
          senderJid: input.senderJid,
          type: input.type,
          text: input.text,
          content: input.content,
          quotedWaId: input.quotedWaId,
          status: input.status,
          errorCode: input.errorCode,
          statusReason: input.statusReason,
          proto: input.proto,
          timestamp: input.timestamp,
          sentAt: input.direction === 'out' && input.status !== 'pending' ? input.timestamp : null,
        })
        changes.created.push(row.id)
        if (input.type !== 'reaction')
          touchChat({ db, chatId: chat.id, messageId: row.id, at: input.timestamp, incoming: input.direction === 'in' })
        if (input.effect) {
          applyEffect(db, accountId, chat.id, input, changes, row.id, onNews)
          continue
        }
        if (input.direction === 'in') {
          onNews(db, { type: 'message.received', accountId, messageId: row.id })
          continue
        }
        // Ours, sent from another device (or replayed): it is news as sent, then any status that beat it here.
        if (OUT_STATUSES_SENT.includes(input.status)) onNews(db, { type: 'message.sent', accountId, messageId: row.id })
        else if (input.status === 'failed') onNews(db, { type: 'message.status', accountId, messageId: row.id, status: 'failed' })
        const early = applyEarlyStatus(db, accountId, { id: row.id, waMessageId: input.waMessageId, status: input.status })
        if (early) onNews(db, { type: 'message.status', accountId, messageId: row.id, status: early })
      }
      alsoInTransaction?.()
    })
    .immediate()
  return changes
}

export type StatusReport = { waMessageId: string; status: MessageStatus; errorCode?: number | null; reason?: string | null }

/**
 * Statuses WhatsApp reported for our messages (receipts, server errors), in one IMMEDIATE
 * transaction with their events. Each applies only when it moves its message forward; a status for
 * a message not logged yet is kept and applied when the message arrives. Returns the changed row ids.
 */
export function advanceStatuses({
  db,
  accountId,
  reports,
  onNews,
}: {
  db: DB
  accountId: string
  reports: StatusReport[]
  onNews: OnMessageNews
}): number[] {
  if (reports.length === 0) return []
  return db.$client
    .transaction(() => {
      const changed: number[] = []
      for (const r of reports) {
        const id = advanceOne(db, accountId, r, onNews)
        if (id !== undefined) changed.push(id)
      }
      return changed
    })
    .immediate()
}

function advanceOne(
  db: DB,
  accountId: string,
  { waMessageId, status, errorCode, reason }: StatusReport,
  onNews: OnMessageNews,
): number | undefined {
  const row = findByWaId(db, accountId, waMessageId, 'out')
  if (!row) {
    keepEarlyStatus(db, { accountId, waMessageId, status, errorCode, reason })
    return undefined
  }
  // Baileys may fold the ERROR into its buffered upsert of the message first; the update that
  // follows still brings WhatsApp's code, which the failed message must show.
  if (status === 'failed' && row.status === 'failed' && errorCode && row.errorCode === null) {
    db.update(messages)
      .set({ errorCode, ...(reason ? { statusReason: reason } : {}), updatedAt: Date.now() })
      .where(eq(messages.id, row.id))
      .run()
    onNews(db, { type: 'message.status', accountId, messageId: row.id, status })
    return row.id
  }
  const patch = statusPatch(row, status)
  if (!patch) return undefined
  db.update(messages)
    .set({ ...patch, ...(errorCode ? { errorCode } : {}), ...(reason ? { statusReason: reason } : {}) })
    .where(eq(messages.id, row.id))
    .run()
  onNews(db, { type: 'message.status', accountId, messageId: row.id, status })
  return row.id
}

/** One status report (see advanceStatuses). */
export function advanceStatus(opts: { db: DB; accountId: string; onNews: OnMessageNews } & StatusReport): number | undefined {
  return advanceStatuses({ db: opts.db, accountId: opts.accountId, reports: [opts], onNews: opts.onNews })[0]
}

/** The stored message content Baileys asks back for retries; undefined when we never stored it. */
export function findMessageProto({ db, accountId, waMessageId }: { db: DB; accountId: string; waMessageId: string }): Buffer | undefined {
  const row = db
    .select({ proto: messages.proto })
    .from(messages)
    .where(and(eq(messages.accountId, accountId), eq(messages.waMessageId, waMessageId), sql`${messages.proto} is not null`))
    .get()
  return row?.proto ?? undefined
}

export function findMessageRow({ db, accountId, publicId }: { db: DB; accountId: string; publicId: string }): MessageRow | undefined {
  return db
    .select()
    .from(messages)
    .where(and(eq(messages.accountId, accountId), eq(messages.publicId, publicId)))
    .get()
}

export function findMessageRowsByIds({ db, ids }: { db: DB; ids: number[] }): MessageRow[] {
  if (ids.length === 0) return []
  return db.select().from(messages).where(inArray(messages.id, ids)).all()
}

export { findByWaId as findMessageByWaId }
