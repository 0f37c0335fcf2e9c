import { asc, eq } from 'drizzle-orm'
import type { AccountSummary } from '@/lib/events/types'
import type { DB } from './client'
import { accounts, accountStatusLog, type SessionStatus } from './schema'

export type Account = typeof accounts.$inferSelect

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

export function listAccounts({ db }: { db: DB }): Account[] {
  return db.select().from(accounts).orderBy(asc(accounts.createdAt), asc(accounts.id)).all()
}

export function findAccount({ db, id }: { db: DB; id: string }): Account | undefined {
  return db.select().from(accounts).where(eq(accounts.id, id)).get()
}

export function insertAccount({ db, id, name }: { db: DB; id: string; name: string }): Account {
  return db.insert(accounts).values({ id, name, status: 'disconnected', statusAt: Date.now() }).returning().get()
}

export function updateAccount({
  db,
  id,
  patch,
}: {
  db: DB
  id: string
  patch: Partial<Omit<Account, 'id' | 'createdAt'>>
}): Account | undefined {
  return db
    .update(accounts)
    .set({ ...patch, updatedAt: Date.now() })
    .where(eq(accounts.id, id))
    .returning()
    .get()
}

/** A status change and its history row commit together. */
export function recordStatus({
  db,
  id,
  status,
  reason,
  extra = {},
}: {
  db: DB
  id: string
  status: SessionStatus
  reason: string | null
  extra?: Partial<Pick<Account, 'reconnectAttempts' | 'lastError' | 'phone' | 'jid' | 'lid' | 'pushName'>>
}): Account | undefined {
  const at = Date.now()
  return db.$client
    .transaction(() => {
      const row = db
        .update(accounts)
        .set({ status, statusReason: reason, statusAt: at, updatedAt: at, ...extra })
        .where(eq(accounts.id, id))
        .returning()
        .get()
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- drizzle types get() as a row; an update that matches none returns undefined
      if (row) db.insert(accountStatusLog).values({ accountId: id, status, reason, at }).run()
      return row
    })
    .immediate()
}

export function deleteAccount({ db, id }: { db: DB; id: string }): boolean {
  return db.delete(accounts).where(eq(accounts.id, id)).run().changes > 0
}
