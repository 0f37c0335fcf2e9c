import type { MessageStatus } from './schema'

/** Position of each outgoing status; a status only ever moves to a higher one. */
const RANK: Record<MessageStatus, number> = {
  queued: 0,
  pending: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  played: 5,
  failed: 6,
  cancelled: 6,
  received: 0,
}

/**
 * Whether an outgoing message may move from `from` to `to`. Receipts arrive out of order (a read
 * receipt can beat the delivery receipt; a replayed upsert carries an older status), so older news
 * never overwrites newer. `failed` ends a message not yet delivered; `cancelled` only a queued one;
 * both are final.
 */
export function canAdvance(from: MessageStatus, to: MessageStatus): boolean {
  if (from === 'failed' || from === 'cancelled' || from === 'received') return false
  if (to === 'cancelled') return from === 'queued'
  if (to === 'failed') return RANK[from] < RANK.delivered
  return RANK[to] > RANK[from]
}
