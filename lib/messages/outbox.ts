import type { DB } from '@/lib/db/client'
import type { MessageNews } from '@/lib/db/messages'
import { recordEvent } from '@/lib/events/outbox'
import { messageViewsByRowIds } from './views'

/**
 * The outbox side of every message write: lib/db's message repositories call this (their `onNews`)
 * inside their transaction at the moment a message changes, and it records the event with the
 * message as it is then, so the event and the change commit together. A status `sent` is reported as
 * message.sent, any other status as message.status.
 */
export function recordMessageNews(db: DB, news: MessageNews): void {
  if (news.type === 'message.reaction') {
    const [message] = news.targetId !== null ? messageViewsByRowIds({ db, ids: [news.targetId] }) : []
    recordEvent(db, {
      type: 'message.reaction',
      accountId: news.accountId,
      messageId: news.targetId ?? news.reactionRowId,
      data: { message: message ?? null, reaction: news.reaction },
    })
    return
  }
  const [message] = messageViewsByRowIds({ db, ids: [news.messageId] })
  if (!message) return
  const { accountId, messageId } = news
  if (news.type === 'message.status' && news.status !== 'sent')
    recordEvent(db, { type: 'message.status', accountId, messageId, data: { message, status: news.status } })
  else recordEvent(db, { type: news.type === 'message.status' ? 'message.sent' : news.type, accountId, messageId, data: { message } })
}
