import { and, asc, desc, eq, gt, inArray, isNull, lt, lte, type SQL, sql } from 'drizzle-orm'
import { monotonicFactory } from 'ulid'
import type { EventDataMap, OutboxEvent, ReactionChange } from '@/lib/events/types'
import { type DB, perDb } from './client'
import { messageViewsByRowIds } from './message-views'
import { events, type EventType, type MessageStatus } from './schema'

export type EventRow = typeof events.$inferSelect

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

/** Records one event. Call it inside the transaction that makes the change, so both commit or neither. */
export function appendEvent<T extends EventType>(
  db: DB,
  e: { type: T; accountId: string | null; messageId?: number | null; data: EventDataMap[T]; at?: number; dispatched?: boolean },
): OutboxEvent {
  const at = e.at ?? Date.now()
  const event = {
    id: nextUlid(at),
    type: e.type,
    accountId: e.accountId,
    timestamp: new Date(at).toISOString(),
    data: e.data,
  } as OutboxEvent
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

/** A message event with the message as it is now (inside the writer's transaction). */
export function appendMessageEvent(
  db: DB,
  e:
    | { type: 'message.received' | 'message.sent' | 'message.edited' | 'message.deleted'; accountId: string; messageId: number }
    | { type: 'message.status'; accountId: string; messageId: number; status: MessageStatus },
): void {
  const [message] = messageViewsByRowIds({ db, ids: [e.messageId] })
  if (!message) return
  if (e.type === 'message.status') {
    appendEvent(db, { type: e.type, accountId: e.accountId, messageId: e.messageId, data: { message, status: e.status } })
  } else {
    appendEvent(db, { type: e.type, accountId: e.accountId, messageId: e.messageId, data: { message } })
  }
}

/** A status change of one of our messages: `sent` is reported as message.sent, the rest as message.status. */
export function appendStatusEvent(db: DB, e: { accountId: string; messageId: number; status: MessageStatus }): void {
  if (e.status === 'sent') appendMessageEvent(db, { type: 'message.sent', accountId: e.accountId, messageId: e.messageId })
  else appendMessageEvent(db, { type: 'message.status', accountId: e.accountId, messageId: e.messageId, status: e.status })
}

export function appendReactionEvent(
  db: DB,
  e: { accountId: string; targetId: number | null; reactionRowId: number | null; reaction: ReactionChange },
): void {
  const [message] = e.targetId !== null ? messageViewsByRowIds({ db, ids: [e.targetId] }) : []
  appendEvent(db, {
    type: 'message.reaction',
    accountId: e.accountId,
    messageId: e.targetId ?? e.reactionRowId,
    data: { message: message ?? null, reaction: e.reaction },
  })
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
