import { and, eq } from 'drizzle-orm'
import type { DB } from './client'
import type { LogChanges, LogInput, OnMessageNews } from './messages'
import { messages } from './schema'

const isGroupJid = (jid: string) => jid.endsWith('@g.us')

/** One sender's reaction to a message, as the log keeps it on the target row. */
export type Reaction = { from: string; emoji: string; at: number }

/**
 * What a reaction, an edit or a delete for everyone does to the message it targets, inside
 * logMessages' transaction: the target row changes (reactions per sender, edited text, cleared
 * content) and its news goes to `onNews` (the outbox); edits and deletes are not rows of their own. A reaction also
 * keeps its own row (`reactionRowId`) when the log stores one.
 */
export function applyEffect(
  db: DB,
  accountId: string,
  chatId: number,
  input: LogInput,
  changes: LogChanges,
  reactionRowId: number | null,
  onNews: OnMessageNews,
): void {
  const effect = input.effect
  if (!effect) return
  // The target lives in the same chat: nobody edits, deletes (or reacts to, in a 1:1 chat) another chat's message.
  const target = db
    .select()
    .from(messages)
    .where(and(eq(messages.accountId, accountId), eq(messages.waMessageId, effect.targetWaId), eq(messages.chatId, chatId)))
    .get()
  const now = Date.now()
  if (effect.kind === 'reaction') {
    const from = input.direction === 'out' ? 'me' : (input.senderJid ?? input.chat.jid)
    if (target) {
      const others = ((target.reactions as Reaction[] | null) ?? []).filter((r) => r.from !== from)
      const reactions = effect.emoji ? [...others, { from, emoji: effect.emoji, at: input.timestamp }] : others
      db.update(messages).set({ reactions, updatedAt: now }).where(eq(messages.id, target.id)).run()
      changes.updated.push(target.id)
    }
    onNews(db, {
      type: 'message.reaction',
      accountId,
      targetId: target?.id ?? null,
      reactionRowId,
      reaction: { messageId: effect.targetWaId, from, emoji: effect.emoji, at: input.timestamp },
    })
    return
  }
  // Only the author edits or deletes: an incoming edit targets an incoming message, ours targets ours.
  if (target?.direction !== input.direction) return
  // In a group every member's message is incoming, so the direction does not tell the author: the
  // sender must be the message's own. A group admin may also delete others' messages; who is an admin
  // needs WhatsApp's group metadata, so such a delete is handed back to the caller, which asks and
  // applies it with recordDelete (lib/sessions/message-sink.ts). In a one-to-one chat the chat and
  // the direction already name the author.
  if (input.direction === 'in' && isGroupJid(input.remoteJid) && target.senderJid !== input.senderJid) {
    ;(changes.ignored ??= []).push({
      kind: effect.kind,
      chatJid: input.remoteJid,
      targetId: target.id,
      targetWaId: effect.targetWaId,
      from: input.senderJid,
      author: target.senderJid,
    })
    return
  }
  if (effect.kind === 'edit') {
    // our own edit comes back as an upsert after the service applied it: one change, one event
    if (target.editedAt !== null && target.text === effect.text) return
    markEdited({ db, id: target.id, text: effect.text, at: now })
    onNews(db, { type: 'message.edited', accountId, messageId: target.id })
  } else {
    if (target.deletedAt !== null) return
    markDeleted({ db, id: target.id, at: now })
    onNews(db, { type: 'message.deleted', accountId, messageId: target.id })
  }
  changes.updated.push(target.id)
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

/** Our edit of a sent message went out: the new text and its event commit together. */
export function recordEdit({
  db,
  accountId,
  id,
  text,
  at,
  onNews,
}: {
  db: DB
  accountId: string
  id: number
  text: string
  at: number
  onNews: OnMessageNews
}): void {
  db.$client
    .transaction(() => {
      // the echo of our edit (Baileys' upsert) may have applied it first, with its event
      const row = db.select({ text: messages.text, editedAt: messages.editedAt }).from(messages).where(eq(messages.id, id)).get()
      if (row?.editedAt != null && row.text === text) return
      markEdited({ db, id, text, at })
      onNews(db, { type: 'message.edited', accountId, messageId: id })
    })
    .immediate()
}

/** Our delete for everyone went out: the cleared message and its event commit together. */
export function recordDelete({
  db,
  accountId,
  id,
  at,
  onNews,
}: {
  db: DB
  accountId: string
  id: number
  at: number
  onNews: OnMessageNews
}): void {
  db.$client
    .transaction(() => {
      const row = db.select({ deletedAt: messages.deletedAt }).from(messages).where(eq(messages.id, id)).get()
      if (row?.deletedAt != null) return
      markDeleted({ db, id, at })
      onNews(db, { type: 'message.deleted', accountId, messageId: id })
    })
    .immediate()
}
