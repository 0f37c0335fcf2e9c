import { and, asc, desc, eq, gt, inArray, isNull, lt, lte, type SQL, sql } from 'drizzle-orm'
import { monotonicFactory } from 'ulid'
import { type DB, perDb } from './client'
import { events, type EventType } from './schema'

export type EventRow = typeof events.$inferSelect

/**
 * One outbox record as stored and delivered: the envelope around the payload its caller built. The
 * outbox does not know what an event's data means (lib/events/outbox.ts types it per event type, the
 * domain module that reports a change builds the view it carries).
 */
export type OutboxRecord = { id: string; type: EventType; accountId: string | null; timestamp: string; data: unknown }

/** ULIDs from one process sort in the order they were made, also within one millisecond. */
const nextUlid = monotonicFactory()

/**
 * Writers call appendEvent inside the transaction of the change it reports. The dispatcher learns
 * of new rows through this per-connection signal, fired on the next turn of the event loop, i.e.
 * after the synchronous transaction committed (or rolled back: then it finds nothing new).
 */
const appendListeners = new WeakMap<DB, Set<() => void>>()
const pendingSignal = new WeakSet<DB>()

export function onEventsAppended(db: DB, listener: () => void): () => void {
  let set = appendListeners.get(db)
  if (!set) appendListeners.set(db, (set = new Set()))
  set.add(listener)
  return () => set.delete(listener)
}

function signal(db: DB): void {
  if (pendingSignal.has(db)) return
  pendingSignal.add(db)
  setImmediate(() => {
    pendingSignal.delete(db)
    for (const l of appendListeners.get(db) ?? []) l()
  })
}

const insertStatement = perDb((db) =>
  db
    .insert(events)
    .values({
      id: sql.placeholder('id'),
      type: sql.placeholder('type'),
      accountId: sql.placeholder('accountId'),
      messageId: sql.placeholder('messageId'),
      payload: sql.placeholder('payload'),
      createdAt: sql.placeholder('createdAt'),
    })
    .prepare(),
)

/**
 * Records one event with the payload `data` its caller built. Call it inside the transaction that
 * makes the change, so both commit or neither.
 */
export function appendEvent(
  db: DB,
  e: { type: EventType; accountId: string | null; messageId?: number | null; data: unknown; at?: number; dispatched?: boolean },
): OutboxRecord {
  const at = e.at ?? Date.now()
  const event: OutboxRecord = {
    id: nextUlid(at),
    type: e.type,
    accountId: e.accountId,
    timestamp: new Date(at).toISOString(),
    data: e.data,
  }
  insertStatement(db).run({
    id: event.id,
    type: e.type,
    accountId: e.accountId,
    messageId: e.messageId ?? null,
    payload: JSON.stringify(event),
    createdAt: at,
  })
  if (e.dispatched) db.update(events).set({ dispatchedAt: at }).where(eq(events.id, event.id)).run()
  else signal(db)
  return event
}

/** The oldest events not yet fanned out, in id (= creation) order. */
export function undispatchedEvents({ db, limit }: { db: DB; limit: number }): EventRow[] {
  return db.select().from(events).where(isNull(events.dispatchedAt)).orderBy(asc(events.id)).limit(limit).all()
}

export function markDispatched({ db, ids, at }: { db: DB; ids: string[]; at: number }): void {
  if (ids.length) db.update(events).set({ dispatchedAt: at }).where(inArray(events.id, ids)).run()
}

export function findEvent({ db, id }: { db: DB; id: string }): EventRow | undefined {
  return db.select().from(events).where(eq(events.id, id)).get()
}

/** Deletes up to `limit` events older than `before` (the retention run, in small batches). */
export function purgeEventsBefore({ db, before, limit }: { db: DB; before: number; limit: number }): number {
  const ids = db
    .select({ id: events.id })
    .from(events)
    .where(and(lt(events.createdAt, before)))
    .limit(limit)
    .all()
    .map((r) => r.id)
  if (ids.length === 0) return 0
  return db.delete(events).where(inArray(events.id, ids)).run().changes
}

export type StoredEvent = { id: string; type: EventType; accountId: string | null; payload: string }

/**
 * Events after `after` (an event id; ids sort in commit order within one process, see appendEvent),
 * oldest first, optionally only of some types and of one account: the event stream and its pages.
 */
export function eventsAfter({
  db,
  after,
  limit,
  types,
  accountId,
}: {
  db: DB
  after: string
  limit: number
  types?: readonly EventType[]
  accountId?: string | null
}): StoredEvent[] {
  const where: SQL[] = [gt(events.id, after)]
  if (types) where.push(inArray(events.type, [...types]))
  if (accountId) where.push(eq(events.accountId, accountId))
  return db
    .select({ id: events.id, type: events.type, accountId: events.accountId, payload: events.payload })
    .from(events)
    .where(and(...where))
    .orderBy(asc(events.id))
    .limit(limit)
    .all()
}

const newestStatement = perDb((db) => db.select({ id: events.id }).from(events).orderBy(desc(events.id)).limit(1).prepare())

/** The id of the newest stored event, or undefined when there is none. */
export function newestEventId(db: DB): string | undefined {
  return newestStatement(db).get()?.id
}

/**
 * The newest `limit` events up to and including `upTo` (an event id), of some types, oldest first:
 * what the dashboard's event monitor shows when it opens, and after a gap too long to replay.
 */
export function latestEvents({
  db,
  upTo,
  limit,
  types,
}: {
  db: DB
  upTo: string
  limit: number
  types: readonly EventType[]
}): StoredEvent[] {
  if (types.length === 0 || limit <= 0) return []
  return db
    .select({ id: events.id, type: events.type, accountId: events.accountId, payload: events.payload })
    .from(events)
    .where(and(lte(events.id, upTo), inArray(events.type, [...types])))
    .orderBy(desc(events.id))
    .limit(limit)
    .all()
    .reverse()
}
