import { DEFAULT_CONNECTION_CONFIG, MessageRetryManager } from '@whiskeysockets/baileys'
import { LRUCache } from 'lru-cache'
import pino from 'pino'
import { ENGAGED, notEngaged, type SeamState } from './seam-state'

/**
 * Baileys keeps the last 512 messages each socket sent (its `MessageRetryManager`), to answer a
 * retry receipt without asking our store. The cache is an `LRUCache` with `ttlAutopurge`: one
 * 5-minute `setTimeout` per entry.
 *
 * Baileys adds the entry inside the send's key-store transaction, an AsyncLocalStorage context. On
 * Node 24 a timer keeps the async context it was created in, so each of those timers keeps that
 * transaction's context alive for five minutes, with the Signal sessions it read and wrote: ~8 KB
 * per sent message instead of the message alone. At 500 sends a second over 50 accounts that is
 * half a gigabyte of heap and event-loop stalls of up to two seconds (docs/messages.md).
 *
 * `dropRetryCachePurgeTimers` swaps that cache for one with the same size, lifetime and eviction
 * callback but no timers: a stale entry is dropped when it is read or when it is the least recently
 * used of 512, so the cache stays as bounded and answers exactly as before. Baileys is not changed;
 * the socket exposes its retry manager, and this only replaces an empty cache right after the
 * socket is made. It changes nothing, and says why, when Baileys no longer has the shape this
 * expects, so a Baileys upgrade cannot break sending through it.
 */
export function dropRetryCachePurgeTimers(sock: { messageRetryManager?: unknown }): SeamState {
  const manager = sock.messageRetryManager
  if (manager === null || manager === undefined) return notEngaged('the socket has no messageRetryManager')
  if (typeof manager !== 'object' || !('recentMessagesMap' in manager)) return notEngaged('the retry manager has no recentMessagesMap')
  const cache = manager.recentMessagesMap
  if (!(cache instanceof LRUCache)) return notEngaged('recentMessagesMap is not an lru-cache LRUCache of the version the gateway uses')
  if (!cache.ttlAutopurge) return notEngaged('recentMessagesMap has no ttlAutopurge (no timer per message to drop)')
  if (cache.size > 0) return notEngaged('recentMessagesMap already holds messages')
  if (cache.ttl <= 0 || cache.max <= 0) return notEngaged('recentMessagesMap has no lifetime or no size bound')
  const { max, ttl, dispose } = cache as LRUCache<string, object>
  manager.recentMessagesMap = new LRUCache<string, object>({ max, ttl, ...(dispose ? { dispose } : {}) })
  return ENGAGED
}

/**
 * The start-time check against the installed Baileys: a socket would keep a recent-message cache
 * (its default config), and a retry manager as Baileys makes it takes the swap.
 */
export function probeRetryCache(): SeamState {
  if (!DEFAULT_CONNECTION_CONFIG.enableRecentMessageCache) return notEngaged('Baileys keeps no recent-message cache by default')
  return dropRetryCachePurgeTimers({ messageRetryManager: new MessageRetryManager(pino({ level: 'silent' }), 5) })
}
