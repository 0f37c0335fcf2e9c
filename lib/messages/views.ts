import type { DB } from '@/lib/db/client'
import {
  type Cursor,
  findMessageWithChat,
  listChats,
  listMessages,
  type MessageFilter,
  messagesByRowIds,
  type MessageWithChat,
} from '@/lib/db/message-reads'
import type { Reaction } from '@/lib/db/message-effects'
import type { MessageDirection, MessageStatus } from '@/lib/vocabulary/statuses'

/*
 * What the message module publishes (API answers, the dashboard, live updates and outbox events),
 * built from the rows lib/db returns. The repositories know nothing of these shapes.
 */

/** The contact side of a message or chat: both address forms where known. */
export type ChatRef = { jid: string; phone: string | null; lid: string | null; name: string | null }

/** A message as the API returns it. */
export type MessageView = {
  id: string
  waMessageId: string
  accountId: string
  chat: ChatRef
  direction: MessageDirection
  /** sender JID of an incoming message; null for the account's own */
  from: string | null
  type: string
  text: string | null
  content: unknown
  /** the message this one replies to */
  context: { messageId: string | null; waMessageId: string } | null
  reactions: Reaction[]
  status: MessageStatus
  statusReason: string | null
  errorCode: number | null
  /** 1 for the next queued message to go out; null unless queued (the service fills it in) */
  queuePosition: number | null
  timestamp: number
  createdAt: number
  updatedAt: number
  sentAt: number | null
  deliveredAt: number | null
  readAt: number | null
  editedAt: number | null
  deletedAt: number | null
}

export type ChatView = ChatRef & { lastMessageAt: number | null; unreadCount: number; lastMessage: MessageView | null }

export type { Cursor, MessageFilter }

export const toMessageView = ({ m, c, quotedId }: MessageWithChat): MessageView => ({
  id: m.publicId ?? `row_${m.id}`,
  waMessageId: m.waMessageId,
  accountId: m.accountId,
  chat: { jid: c?.jid ?? m.chatJid, phone: c?.phone ?? null, lid: c?.lid ?? null, name: c?.name ?? null },
  direction: m.direction,
  from: m.direction === 'in' ? (m.senderJid ?? c?.jid ?? m.chatJid) : null,
  type: m.type,
  text: m.text,
  content: m.content ?? null,
  context: m.quotedWaId ? { messageId: quotedId ?? null, waMessageId: m.quotedWaId } : null,
  reactions: (m.reactions as Reaction[] | null) ?? [],
  status: m.status,
  statusReason: m.statusReason,
  errorCode: m.errorCode,
  queuePosition: null,
  timestamp: m.timestamp,
  createdAt: m.createdAt,
  updatedAt: m.updatedAt,
  sentAt: m.sentAt,
  deliveredAt: m.deliveredAt,
  readAt: m.readAt,
  editedAt: m.editedAt,
  deletedAt: m.deletedAt,
})

/** Messages by row id, newest first (announced after every send and status change). */
export function messageViewsByRowIds({ db, ids }: { db: DB; ids: number[] }): MessageView[] {
  return messagesByRowIds({ db, ids }).map(toMessageView)
}

export function messageView({ db, accountId, publicId }: { db: DB; accountId: string; publicId: string }): MessageView | undefined {
  const row = findMessageWithChat({ db, accountId, publicId })
  return row ? toMessageView(row) : undefined
}

/** Newest first; `next` is where the following page starts, null on the last page. */
export function listMessageViews(opts: { db: DB; accountId: string; filter: MessageFilter; cursor?: Cursor; limit: number }): {
  items: MessageView[]
  next: Cursor | null
} {
  const page = listMessages(opts)
  return { items: page.items.map(toMessageView), next: page.next }
}

/** Chats newest first (by last message), each with its last message and unread count. */
export function listChatViews(opts: { db: DB; accountId: string; cursor?: Cursor; limit: number }): {
  items: ChatView[]
  next: Cursor | null
} {
  const page = listChats(opts)
  return {
    items: page.items.map(({ chat: c, lastMessage }) => ({
      jid: c.jid,
      phone: c.phone,
      lid: c.lid,
      name: c.name,
      lastMessageAt: c.lastMessageAt,
      unreadCount: c.unreadCount,
      lastMessage: lastMessage ? toMessageView(lastMessage) : null,
    })),
    next: page.next,
  }
}

/** The API's opaque page cursor. */
export const encodeCursor = (c: Cursor): string => Buffer.from(`${c.timestamp}:${c.id}`).toString('base64url')
export function decodeCursor(s: string): Cursor | undefined {
  const m = /^(\d+):(\d+)$/.exec(Buffer.from(s, 'base64url').toString())
  return m ? { timestamp: Number(m[1]), id: Number(m[2]) } : undefined
}
