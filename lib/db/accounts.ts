import { and, asc, desc, eq, lt, sql } from 'drizzle-orm'
import { type DB, perDb } from './client'
import { accounts, accountStatusLog, type SessionStatus } from './schema'

export type Account = typeof accounts.$inferSelect

/**
 * What an account write reports for the outbox, inside its transaction: the row as it is now. The
 * caller's `onNews` (lib/sessions/accounts.ts) builds the event's data from it and records it in the
 * same transaction: lib/db stores rows, the session module builds what it publishes.
 */
export type AccountNews =
  | { type: 'account.created'; account: Account }
  | { type: 'account.status'; account: Account; status: SessionStatus; reason: string | null; at: number }
  | { type: 'account.deleted'; accountId: string }
export type OnAccountNews = (db: DB, news: AccountNews) => void

export function listAccounts({ db }: { db: DB }): Account[] {
  return db.select().from(accounts).orderBy(asc(accounts.createdAt), asc(accounts.id)).all()
}

/** Read on every API call that names an account (the send path among them): prepared once per connection. */
const findStatement = perDb((db) =>
  db
    .select()
    .from(accounts)
    .where(eq(accounts.id, sql.placeholder('id')))
    .prepare(),
)

export function findAccount({ db, id }: { db: DB; id: string }): Account | undefined {
  return findStatement(db).get({ id })
}

/** A new account and its account.created event commit together. */
export function insertAccount({ db, id, name, onNews }: { db: DB; id: string; name: string; onNews: OnAccountNews }): Account {
  return db.$client
    .transaction(() => {
      const row = db.insert(accounts).values({ id, name, status: 'disconnected', statusAt: Date.now() }).returning().get()
      onNews(db, { type: 'account.created', account: row })
      return row
    })
    .immediate()
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

type StatusExtra = Partial<Pick<Account, 'reconnectAttempts' | 'lastError' | 'phone' | 'jid' | 'lid' | 'pushName'>>
const STATUS_EXTRA_KEYS = ['reconnectAttempts', 'lastError', 'phone', 'jid', 'lid', 'pushName'] as const

function prepareStatusStatements(db: DB, extraKeys: readonly (keyof StatusExtra)[]) {
  const set: Record<string, unknown> = {
    status: sql.placeholder('status'),
    statusReason: sql.placeholder('reason'),
    statusAt: sql.placeholder('at'),
    updatedAt: sql.placeholder('at'),
  }
  for (const k of extraKeys) set[k] = sql.placeholder(k)
  return {
    update: db
      .update(accounts)
      .set(set)
      .where(eq(accounts.id, sql.placeholder('id')))
      .returning()
      .prepare(),
    log: db
      .insert(accountStatusLog)
      .values({
        accountId: sql.placeholder('id'),
        status: sql.placeholder('status'),
        reason: sql.placeholder('reason'),
        at: sql.placeholder('at'),
      })
      .prepare(),
  }
}

/**
 * Status changes are the hottest write outside the key store (two or more per login; a restart of
 * 2,000 accounts makes ~4,000), and drizzle builds a query's SQL anew on every call (~5 % of a
 * restart's CPU, profiled). So each shape of change (which extra columns it sets) is prepared once
 * per connection and reused.
 */
type StatusStatements = ReturnType<typeof prepareStatusStatements>
const statusStatements = new WeakMap<DB, Map<string, StatusStatements>>()

function statusStatementsFor(db: DB, extra: StatusExtra) {
  const keys = STATUS_EXTRA_KEYS.filter((k) => extra[k] !== undefined)
  let byShape = statusStatements.get(db)
  if (!byShape) statusStatements.set(db, (byShape = new Map<string, StatusStatements>()))
  const shape = keys.join(',')
  let prepared = byShape.get(shape)
  if (!prepared) byShape.set(shape, (prepared = prepareStatusStatements(db, keys)))
  return prepared
}

/** A status change, its history row and its account.status event commit together. */
export function recordStatus({
  db,
  id,
  status,
  reason,
  extra = {},
  onNews,
}: {
  db: DB
  id: string
  status: SessionStatus
  reason: string | null
  extra?: StatusExtra
  onNews: OnAccountNews
}): Account | undefined {
  const at = Date.now()
  const stmt = statusStatementsFor(db, extra)
  const params = { id, status, reason, at, ...extra }
  return db.$client
    .transaction(() => {
      const row = stmt.update.get(params)
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- drizzle types get() as a row; an update that matches none returns undefined
      if (row) {
        stmt.log.run(params)
        onNews(db, { type: 'account.status', account: row, status, reason, at })
      }
      return row
    })
    .immediate()
}

/** The account (and everything of it, by cascade) goes; its account.deleted event stays, in the same transaction. */
export function deleteAccount({ db, id, onNews }: { db: DB; id: string; onNews: OnAccountNews }): boolean {
  return db.$client
    .transaction(() => {
      const gone = db.delete(accounts).where(eq(accounts.id, id)).run().changes > 0
      if (gone) onNews(db, { type: 'account.deleted', accountId: id })
      return gone
    })
    .immediate()
}

export type StatusChange = { id: number; status: SessionStatus; reason: string | null; at: number }

/** An account's status history, newest first; `before` (a row id) pages back. */
export function listStatusHistory({ db, id, before, limit }: { db: DB; id: string; before?: number; limit: number }): StatusChange[] {
  return db
    .select({ id: accountStatusLog.id, status: accountStatusLog.status, reason: accountStatusLog.reason, at: accountStatusLog.at })
    .from(accountStatusLog)
    .where(and(eq(accountStatusLog.accountId, id), before !== undefined ? lt(accountStatusLog.id, before) : undefined))
    .orderBy(desc(accountStatusLog.at), desc(accountStatusLog.id))
    .limit(limit)
    .all()
}
