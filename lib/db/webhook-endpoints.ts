/**
 * Webhook endpoints: their rows (URL, filter, sealed secrets, flags) and the health counters the
 * delivery worker keeps on them. Deliveries and attempts are in webhooks.ts.
 */
import { asc, eq, isNull, sql } from 'drizzle-orm'
import { type DB, perDb } from './client'
import { webhookEndpoints } from './schema'

export type EndpointRow = typeof webhookEndpoints.$inferSelect

export function insertEndpoint({ db, row }: { db: DB; row: typeof webhookEndpoints.$inferInsert }): EndpointRow {
  return db.insert(webhookEndpoints).values(row).returning().get()
}

/** The worker's queries, prepared once per database (drizzle otherwise rebuilds and re-prepares the SQL on every call). */
function prepareQueries(db: DB) {
  const id = sql.placeholder('id')
  // wrapped in sql``: drizzle's set() types accept SQL, not a bare placeholder
  const at = sql`${sql.placeholder('at')}`
  const failed = {
    failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${at})`,
    consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1`,
    lastFailureAt: at,
  }
  return {
    endpoint: db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).prepare(),
    enabledIds: db
      .select({ id: webhookEndpoints.id, ordered: webhookEndpoints.ordered })
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.enabled, true))
      .prepare(),
    succeeded: db
      .update(webhookEndpoints)
      .set({ failingSince: null, consecutiveFailures: 0, lastSuccessAt: at })
      .where(eq(webhookEndpoints.id, id))
      .prepare(),
    failed: db.update(webhookEndpoints).set(failed).where(eq(webhookEndpoints.id, id)).prepare(),
    failedAndDisabled: db
      .update(webhookEndpoints)
      .set({ ...failed, enabled: false, disabledReason: sql`${sql.placeholder('reason')}`, disabledAt: at })
      .where(eq(webhookEndpoints.id, id))
      .prepare(),
  }
}
const queries = perDb(prepareQueries)

export function findEndpoint({ db, id }: { db: DB; id: string }): EndpointRow | undefined {
  return queries(db).endpoint.get({ id })
}

/** Every endpoint, or those of one account (`accountId`) — with or without the gateway-wide ones. */
export function listEndpoints({ db, accountId }: { db: DB; accountId?: string | null }): EndpointRow[] {
  const where =
    accountId === undefined
      ? undefined
      : accountId === null
        ? isNull(webhookEndpoints.accountId)
        : eq(webhookEndpoints.accountId, accountId)
  return db.select().from(webhookEndpoints).where(where).orderBy(asc(webhookEndpoints.createdAt), asc(webhookEndpoints.id)).all()
}

/** How many endpoints one account has (`null`: the endpoints of every account). */
export function countEndpoints({ db, accountId }: { db: DB; accountId: string | null }): number {
  const where = accountId === null ? isNull(webhookEndpoints.accountId) : eq(webhookEndpoints.accountId, accountId)
  return (
    db
      .select({ n: sql<number>`count(*)` })
      .from(webhookEndpoints)
      .where(where)
      .get()?.n ?? 0
  )
}

export function updateEndpoint({ db, id, patch }: { db: DB; id: string; patch: Partial<EndpointRow> }): EndpointRow | undefined {
  return db
    .update(webhookEndpoints)
    .set({ ...patch, updatedAt: Date.now() })
    .where(eq(webhookEndpoints.id, id))
    .returning()
    .get()
}

export function deleteEndpoint({ db, id }: { db: DB; id: string }): boolean {
  return db.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id)).run().changes > 0
}

/** Enabled endpoints, as the dispatcher matches events to them. */
export function enabledEndpoints({ db }: { db: DB }): Pick<EndpointRow, 'id' | 'accountId' | 'events'>[] {
  return db
    .select({ id: webhookEndpoints.id, accountId: webhookEndpoints.accountId, events: webhookEndpoints.events })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.enabled, true))
    .all()
}

export function enabledEndpointIds({ db }: { db: DB }): Pick<EndpointRow, 'id' | 'ordered'>[] {
  return queries(db).enabledIds.all()
}

/** Health counters of an endpoint after an attempt (a success resets the failing window). */
export function noteEndpointOutcome({ db, id, ok, at, disable }: { db: DB; id: string; ok: boolean; at: number; disable?: string }): void {
  const q = queries(db)
  if (ok) q.succeeded.run({ id, at })
  else if (disable) q.failedAndDisabled.run({ id, at, reason: disable })
  else q.failed.run({ id, at })
}
