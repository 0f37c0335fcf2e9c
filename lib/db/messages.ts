import crypto from 'node:crypto'
import { and, eq, inArray, sql } from 'drizzle-orm'
import { type ChatKey, ensureChat, touchChat } from './chats'
import type { DB } from './client'
import { canAdvance } from './message-status'
import { messages, type MessageDirection, type MessageStatus } from './schema'

export type MessageRow = typeof messages.$inferSelect
export type Reaction = { from: string; emoji: string; at: number }

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

/** Row ids the write created or changed, for the events announced after commit. */
export type LogChanges = { created: number[]; updated: number[] }

const findByWaId = (db: DB, accountId: string, waMessageId: string, direction?: MessageDirection): MessageRow | undefined =>
  db
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.accountId, accountId),
        eq(messages.waMessageId, waMessageId),
        ...(direction ? [eq(messages.direction, direction)] : []),
      ),
    )
    .get()

/** The status a row moves to, with its timestamp column; undefined when it must not move. */
export function statusPatch(row: Pick<MessageRow, 'status'>, to: MessageStatus, at = Date.now()): Partial<MessageRow> | undefined {
  if (!canAdvance(row.status, to)) return undefined
  const patch: Partial<MessageRow> = { status: to, updatedAt: at }
  if (to === 'sent') patch.sentAt = at
  if (to === 'delivered') patch.deliveredAt = at
  if (to === 'read' || to === 'played') patch.readAt = at
  return patch
}

const applyEffect = (db: DB, accountId: string, chatId: number, input: LogInput, changes: LogChanges): void => {
  const effect = input.effect
  if (!effect) return
  // The target lives in the same chat: nobody edits, deletes (or reacts to, in a 1:1 chat) another chat's message.
  const target = db
    .select()
    .from(messages)
    .where(and(eq(messages.accountId, accountId), eq(messages.waMessageId, effect.targetWaId), eq(messages.chatId, chatId)))
    .get()
  if (!target) return
  const now = Date.now()
  if (effect.kind === 'edit') {
    // Only the author edits or deletes: an incoming edit targets an incoming message, ours targets ours.
    if (target.direction !== input.direction) return
    markEdited({ db, id: target.id, text: effect.text, at: now })
  } else if (effect.kind === 'delete') {
    if (target.direction !== input.direction) return
    markDeleted({ db, id: target.id, at: now })
  } else {
    const from = input.direction === 'out' ? 'me' : (input.senderJid ?? input.chat.jid)
    const others = ((target.reactions as Reaction[] | null) ?? []).filter((r) => r.from !== from)
    const reactions = effect.emoji ? [...others, { from, emoji: effect.emoji, at: input.timestamp }] : others
    db.update(messages).set({ reactions, updatedAt: now }).where(eq(messages.id, target.id)).run()
  }
  changes.updated.push(target.id)
}

/**
 * Writes what Baileys reported, in one IMMEDIATE transaction: each message lands in its contact's one
 * chat (whichever address form it used), a replay (offline `append`) updates the row it already has
 * instead of adding one, a status only moves forward, and reactions, edits and deletes update their
 * target. Edits and deletes are not rows of their own.
 */
export function logMessages({ db, accountId, items }: { db: DB; accountId: string; items: LogInput[] }): LogChanges {
  const changes: LogChanges = { created: [], updated: [] }
  if (items.length === 0) return changes
  db.$client
    .transaction(() => {
      for (const input of items) {
        const chat = ensureChat({ db, accountId, key: input.chat, name: input.direction === 'in' ? input.pushName : undefined })
        if (input.effect && input.effect.kind !== 'reaction') {
          applyEffect(db, accountId, chat.id, input, changes)
          continue
        }
        const existing = findByWaId(db, accountId, input.waMessageId, input.direction)
        if (existing) {
          const patch = statusPatch(existing, input.status) ?? {}
          // A refusal folded into the upsert: the message fails now, or a failure seen earlier gains its code.
          const refused =
            input.status === 'failed' && (patch.status === 'failed' || (existing.status === 'failed' && existing.errorCode === null))
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
          continue
        }
        const row = db
          .insert(messages)
          .values({
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
            ...(input.direction === 'out' && input.status !== 'pending' ? { sentAt: input.timestamp } : {}),
          })
          .returning({ id: messages.id })
          .get()
        changes.created.push(row.id)
        if (input.type !== 'reaction')
          touchChat({ db, chatId: chat.id, messageId: row.id, at: input.timestamp, incoming: input.direction === 'in' })
        applyEffect(db, accountId, chat.id, input, changes)
      }
    })
    .immediate()
  return changes
}

/**
 * A status WhatsApp reported for one of our messages (receipt, server error), applied only when it
 * moves the message forward. Returns the row id when it changed.
 */
export function advanceStatus({
  db,
  accountId,
  waMessageId,
  status,
  errorCode,
  reason,
}: {
  db: DB
  accountId: string
  waMessageId: string
  status: MessageStatus
  errorCode?: number | null
  reason?: string | null
}): number | undefined {
  const row = findByWaId(db, accountId, waMessageId, 'out')
  if (!row) return undefined
  // Baileys may fold the ERROR into its buffered upsert of the message first; the update that
  // follows still brings WhatsApp's code, which the failed message must show.
  if (status === 'failed' && row.status === 'failed' && errorCode && row.errorCode === null) {
    db.update(messages)
      .set({ errorCode, ...(reason ? { statusReason: reason } : {}), updatedAt: Date.now() })
      .where(eq(messages.id, row.id))
      .run()
    return row.id
  }
  const patch = statusPatch(row, status)
  if (!patch) return undefined
  db.update(messages)
    .set({ ...patch, ...(errorCode ? { errorCode } : {}), ...(reason ? { statusReason: reason } : {}) })
    .where(eq(messages.id, row.id))
    .run()
  return row.id
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

/** Our edit went out: the message shows the new text (and its content's body follows). */
export function markEdited({ db, id, text, at }: { db: DB; id: number; text: string; at: number }): void {
  const row = db.select({ content: messages.content }).from(messages).where(eq(messages.id, id)).get()
  const content = row?.content as { text?: Record<string, unknown> } | null | undefined
  db.update(messages)
    .set({
      text,
      editedAt: at,
      updatedAt: at,
      ...(content?.text ? { content: { ...content, text: { ...content.text, body: text } } } : {}),
    })
    .where(eq(messages.id, id))
    .run()
}

/** Our delete for everyone went out: the message keeps its place in the log, without its content. */
export function markDeleted({ db, id, at }: { db: DB; id: number; at: number }): void {
  db.update(messages).set({ text: null, content: null, deletedAt: at, updatedAt: at }).where(eq(messages.id, id)).run()
}

export { findByWaId as findMessageByWaId }
