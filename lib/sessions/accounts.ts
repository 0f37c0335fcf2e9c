import type { Account, AccountNews } from '@/lib/db/accounts'
import type { DB } from '@/lib/db/client'
import { recordEvent } from '@/lib/events/outbox'
import type { AccountSummary } from '@/lib/events/types'

/** An account as the API, the dashboard and events show it, built from its row. */
export const toAccountSummary = (a: Account): AccountSummary => ({
  id: a.id,
  name: a.name,
  phone: a.phone,
  jid: a.jid,
  lid: a.lid,
  pushName: a.pushName,
  status: a.status,
  statusReason: a.statusReason,
  statusAt: a.statusAt,
  reconnectAttempts: a.reconnectAttempts,
  lastError: a.lastError,
  createdAt: a.createdAt,
})

/**
 * The outbox side of every account write: lib/db's account repositories call this (their `onNews`)
 * inside their transaction, and it records the event with the account as the row now is, so the
 * event and the change commit together.
 */
export function recordAccountNews(db: DB, news: AccountNews): void {
  if (news.type === 'account.deleted') {
    recordEvent(db, { type: 'account.deleted', accountId: news.accountId, data: { accountId: news.accountId } })
  } else if (news.type === 'account.created') {
    recordEvent(db, { type: 'account.created', accountId: news.account.id, data: { account: toAccountSummary(news.account) } })
  } else {
    const { account, status, reason, at } = news
    recordEvent(db, { type: 'account.status', accountId: account.id, at, data: { status, reason, account: toAccountSummary(account) } })
  }
}
