import { inArray, lt } from 'drizzle-orm'
import type { DB } from './client'
import { purgeEventsBefore } from './events'
import { earlyStatuses, events, messages } from './schema'

/** Deletes up to `limit` messages older than `before` (by their WhatsApp timestamp); returns how many. */
export function purgeMessagesBefore({ db, before, limit }: { db: DB; before: number; limit: number }): number {
  const ids = db
    .select({ id: messages.id })
    .from(messages)
    .where(lt(messages.timestamp, before))
    .limit(limit)
    .all()
    .map((r) => r.id)
  if (ids.length === 0) return 0
  // a message's events (and their deliveries) go with it, in the same transaction
  return db.$client
    .transaction(() => {
      db.delete(events).where(inArray(events.messageId, ids)).run()
      return db.delete(messages).where(inArray(messages.id, ids)).run().changes
    })
    .immediate()
}

/** Early statuses whose message never came (a receipt for something not logged) are dropped after a while. */
export function purgeEarlyStatusesBefore({ db, before }: { db: DB; before: number }): number {
  return db.delete(earlyStatuses).where(lt(earlyStatuses.at, before)).run().changes
}

export { purgeEventsBefore }
