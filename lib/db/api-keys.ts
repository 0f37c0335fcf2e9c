import { and, asc, eq, isNull, lt, or, sql } from 'drizzle-orm'
import { type DB, perDb } from './client'
import { apiKeys } from './schema'

export type ApiKeyRow = typeof apiKeys.$inferSelect

export function insertApiKey({ db, row }: { db: DB; row: typeof apiKeys.$inferInsert }): ApiKeyRow {
  return db.insert(apiKeys).values(row).returning().get()
}

const byPrefix = perDb((db) =>
  db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.prefix, sql.placeholder('prefix')))
    .prepare(),
)

/**
 * The one lookup every API request makes: by the unique prefix index, whatever the number of keys.
 * Prepared once per connection (building the query each time cost more than running it).
 */
export function findApiKeyByPrefix({ db, prefix }: { db: DB; prefix: string }): ApiKeyRow | undefined {
  return byPrefix(db).get({ prefix })
}

export function findApiKeyById({ db, id }: { db: DB; id: string }): ApiKeyRow | undefined {
  return db.select().from(apiKeys).where(eq(apiKeys.id, id)).get()
}

/** Keys of one account (accountId given) or of the whole gateway (null = every key). */
export function listApiKeys({ db, accountId }: { db: DB; accountId: string | null }): ApiKeyRow[] {
  const q = db.select().from(apiKeys)
  return (accountId === null ? q : q.where(eq(apiKeys.accountId, accountId))).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id)).all()
}

/** Marks the key revoked unless it already is; returns the row as it is now. */
export function revokeApiKey({ db, id, by, at }: { db: DB; id: string; by: string; at: number }): ApiKeyRow | undefined {
  db.update(apiKeys)
    .set({ revokedAt: at, revokedBy: by })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .run()
  return findApiKeyById({ db, id })
}

/** Records a use, at most once per `everyMs` per key (a write per request would serialise readers). */
export function touchApiKey({ db, id, at, everyMs }: { db: DB; id: string; at: number; everyMs: number }): void {
  db.update(apiKeys)
    .set({ lastUsedAt: at })
    .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, at - everyMs))))
    .run()
}
