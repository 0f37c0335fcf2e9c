import { and, asc, desc, eq, gte, inArray, lt, lte, or, type SQL, sql } from 'drizzle-orm'
import { type DB, perDb } from './client'
import { type DeliveryStatus, events, webhookAttempts, webhookDeliveries } from './schema'
export type DeliveryRow = typeof webhookDeliveries.$inferSelect
export type AttemptRow = typeof webhookAttempts.$inferSelect

// ---- deliveries --------------------------------------------------------------------------------

function prepare(db: DB) {
  const c = db.$client
  return {
    insertDelivery: c.prepare<[string, string, string, number, number, number], { id: number }>(
      `insert into webhook_deliveries (endpoint_id, event_id, event_type, status, next_attempt_at, created_at, updated_at)
       values (?, ?, ?, 'pending', ?, ?, ?) on conflict (endpoint_id, event_id) do nothing returning id`,
    ),
    /** the oldest pending delivery of an endpoint (ordered endpoints deliver only this one) */
    head: c.prepare<[string], DeliveryRow>(
      `select id, next_attempt_at as nextAttemptAt, lease_until as leaseUntil from webhook_deliveries
       where endpoint_id = ? and status = 'pending' order by id limit 1`,
    ),
    /**
     * due, unleased deliveries of an unordered endpoint (it opted out of event order), longest due
     * first: read in the order of the (endpoint, status, next_attempt_at) index, no sort
     */
    due: c.prepare<[string, number, number, number], Pick<DeliveryRow, 'id'>>(
      `select id from webhook_deliveries
       where endpoint_id = ? and status = 'pending' and next_attempt_at <= ? and (lease_until is null or lease_until <= ?)
       order by next_attempt_at, id limit ?`,
    ),
    /**
     * when the next retry of an endpoint falls due (an index seek on endpoint, status, next_attempt_at).
     * Leased deliveries are not looked at: this worker's own are kicked when they finish, and a lease
     * left by a crashed process is found by the worker's poll.
     */
    nextDue: c.prepare<[string, number], { at: number | null }>(
      `select min(next_attempt_at) as at from webhook_deliveries where endpoint_id = ? and status = 'pending' and next_attempt_at > ?`,
    ),
    claim: c.prepare<[number, string, number, number, number]>(
      `update webhook_deliveries set lease_until = ?, lease_owner = ?, updated_at = ?
       where id = ? and status = 'pending' and (lease_until is null or lease_until <= ?)`,
    ),
    get: c.prepare<[number], DeliveryRow>(
      `select id, endpoint_id as endpointId, event_id as eventId, event_type as eventType, status, attempts,
        cycle_attempts as cycleAttempts, next_attempt_at as nextAttemptAt, lease_until as leaseUntil, lease_owner as leaseOwner,
        last_status_code as lastStatusCode, last_error as lastError, last_attempt_at as lastAttemptAt, delivered_at as deliveredAt,
        created_at as createdAt, updated_at as updatedAt
       from webhook_deliveries where id = ?`,
    ),
    payload: c.prepare<[string], { payload: string }>(`select payload from events where id = ?`),
    insertAttempt: c.prepare<[number, number, number | null, number, string | null, string | null]>(
      `insert into webhook_attempts (delivery_id, at, status_code, duration_ms, error, response) values (?, ?, ?, ?, ?, ?)`,
    ),
    finish: c.prepare<[string, number, number | null, string | null, number, number | null, number, number, string]>(
      `update webhook_deliveries set status = ?, next_attempt_at = ?, last_status_code = ?, last_error = ?, last_attempt_at = ?,
        delivered_at = ?, attempts = attempts + 1, cycle_attempts = cycle_attempts + 1, lease_until = null, lease_owner = null, updated_at = ?
       where id = ? and lease_owner = ?`,
    ),
  }
}
const statements = perDb(prepare)

/**
 * One delivery per (endpoint, event); a second insert of the same pair does nothing (and answers
 * undefined). Call inside the dispatcher's transaction. Answers the new delivery's id.
 */
export function insertDelivery(opts: {
  db: DB
  endpointId: string
  eventId: string
  eventType: string
  at: number
  dueAt: number
}): number | undefined {
  return statements(opts.db).insertDelivery.get(opts.endpointId, opts.eventId, opts.eventType, opts.dueAt, opts.at, opts.at)?.id
}

/** What the worker may claim now for one endpoint: the head (ordered) or up to `max` due ones; and when to look again. */
export function claimableFor({
  db,
  endpointId,
  ordered,
  now,
  max,
}: {
  db: DB
  endpointId: string
  ordered: boolean
  now: number
  max: number
}): { ids: number[]; wakeAt: number | null } {
  const s = statements(db)
  if (ordered) {
    const head = s.head.get(endpointId)
    if (!head) return { ids: [], wakeAt: null }
    const due = head.nextAttemptAt <= now && (head.leaseUntil === null || head.leaseUntil <= now)
    if (due) return { ids: max > 0 ? [head.id] : [], wakeAt: null }
    return { ids: [], wakeAt: Math.max(head.nextAttemptAt, head.leaseUntil ?? 0) }
  }
  const ids = max > 0 ? s.due.all(endpointId, now, now, max).map((r) => r.id) : []
  // with every slot filled, the worker is kicked again when one frees up: no need to look further
  if (max > 0 && ids.length === max) return { ids, wakeAt: null }
  return { ids, wakeAt: s.nextDue.get(endpointId, now)?.at ?? null }
}

/**
 * Takes a lease on a delivery with a conditional UPDATE: only one worker (of any process) wins a
 * delivery whose lease is free or ran out; a worker that crashed mid-attempt loses it to the next.
 */
export function claimDelivery({
  db,
  id,
  owner,
  now,
  leaseMs,
}: {
  db: DB
  id: number
  owner: string
  now: number
  leaseMs: number
}): boolean {
  return statements(db).claim.run(now + leaseMs, owner, now, id, now).changes === 1
}

export function getDelivery({ db, id }: { db: DB; id: number }): DeliveryRow | undefined {
  return statements(db).get.get(id)
}

export function eventPayload({ db, eventId }: { db: DB; eventId: string }): string | undefined {
  return statements(db).payload.get(eventId)?.payload
}

export type AttemptRecord = {
  deliveryId: number
  owner: string
  at: number
  statusCode: number | null
  durationMs: number
  error: string | null
  response: string | null
  /** what the delivery becomes */
  next: { status: 'delivered' } | { status: 'pending'; at: number } | { status: 'failed' }
}

/**
 * Records an attempt and its outcome, releasing the lease, in one transaction. False when the lease
 * was lost meanwhile (another worker took the delivery after it ran out): then nothing is recorded twice.
 */
export function recordAttempt({ db, a }: { db: DB; a: AttemptRecord }): boolean {
  const s = statements(db)
  return db.$client
    .transaction(() => {
      const status: DeliveryStatus = a.next.status
      const nextAt = a.next.status === 'pending' ? a.next.at : a.at
      const changed = s.finish.run(
        status,
        nextAt,
        a.statusCode,
        a.error,
        a.at,
        a.next.status === 'delivered' ? a.at : null,
        a.at,
        a.deliveryId,
        a.owner,
      ).changes
      if (changed === 0) return false
      s.insertAttempt.run(a.deliveryId, a.at, a.statusCode, a.durationMs, a.error, a.response)
      return true
    })
    .immediate()
}

/** Releases leases this worker holds without recording an attempt (shutdown mid-attempt). */
export function releaseLeases({ db, owner }: { db: DB; owner: string }): number {
  return db
    .update(webhookDeliveries)
    .set({ leaseUntil: null, leaseOwner: null, updatedAt: Date.now() })
    .where(and(eq(webhookDeliveries.leaseOwner, owner), eq(webhookDeliveries.status, 'pending')))
    .run().changes
}

export type DeliveryFilter = {
  status?: DeliveryStatus
  eventType?: string
  eventId?: string
  since?: number
  until?: number
  /** deliveries with a smaller id (paging, newest first) */
  before?: number
}

export function listDeliveries({
  db,
  endpointId,
  filter,
  limit,
}: {
  db: DB
  endpointId: string
  filter: DeliveryFilter
  limit: number
}): DeliveryRow[] {
  const conds: (SQL | undefined)[] = [
    eq(webhookDeliveries.endpointId, endpointId),
    filter.status ? eq(webhookDeliveries.status, filter.status) : undefined,
    filter.eventType ? eq(webhookDeliveries.eventType, filter.eventType) : undefined,
    filter.eventId ? eq(webhookDeliveries.eventId, filter.eventId) : undefined,
    filter.since !== undefined ? gte(webhookDeliveries.createdAt, filter.since) : undefined,
    filter.until !== undefined ? lte(webhookDeliveries.createdAt, filter.until) : undefined,
    filter.before !== undefined ? lt(webhookDeliveries.id, filter.before) : undefined,
  ]
  return db
    .select()
    .from(webhookDeliveries)
    .where(and(...conds))
    .orderBy(desc(webhookDeliveries.id))
    .limit(limit)
    .all()
}

export function attemptsOf({ db, deliveryIds }: { db: DB; deliveryIds: number[] }): AttemptRow[] {
  if (deliveryIds.length === 0) return []
  return db.select().from(webhookAttempts).where(inArray(webhookAttempts.deliveryId, deliveryIds)).orderBy(asc(webhookAttempts.id)).all()
}

/**
 * Replays deliveries: each becomes pending again, due now, at the start of the retry schedule.
 * The event (and so its webhook-id and body) stays the same; the timestamp and signature are fresh.
 */
export function replayDeliveries({ db, endpointId, ids, now }: { db: DB; endpointId: string; ids: number[]; now: number }): number {
  if (ids.length === 0) return 0
  return db
    .update(webhookDeliveries)
    .set({ status: 'pending', nextAttemptAt: now, cycleAttempts: 0, leaseUntil: null, leaseOwner: null, updatedAt: now })
    .where(
      and(
        eq(webhookDeliveries.endpointId, endpointId),
        inArray(webhookDeliveries.id, ids),
        or(eq(webhookDeliveries.status, 'failed'), eq(webhookDeliveries.status, 'delivered')),
      ),
    )
    .run().changes
}

export function failedDeliveryIds({
  db,
  endpointId,
  since,
  until,
}: {
  db: DB
  endpointId: string
  since: number
  until: number
}): number[] {
  return db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.endpointId, endpointId),
        eq(webhookDeliveries.status, 'failed'),
        gte(webhookDeliveries.createdAt, since),
        lte(webhookDeliveries.createdAt, until),
      ),
    )
    .all()
    .map((r) => r.id)
}

export { events as eventsTable }

/** Deliveries still owed to endpoints (pending, whether due now or later): the backlog /metrics shows. */
export function countPendingDeliveries({ db }: { db: DB }): number {
  return (
    db
      .select({ n: sql<number>`count(*)` })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.status, 'pending'))
      .get()?.n ?? 0
  )
}
