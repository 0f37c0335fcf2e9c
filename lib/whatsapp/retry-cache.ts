import { LRUCache } from 'lru-cache'

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
 * socket is made. Returns false (and changes nothing) when Baileys no longer has the shape this
 * expects, so a Baileys upgrade cannot break sending through it.
 */
export function dropRetryCachePurgeTimers(sock: { messageRetryManager?: unknown }): boolean {
  const manager = sock.messageRetryManager
  if (typeof manager !== 'object' || manager === null || !('recentMessagesMap' in manager)) return false
  const cache = manager.recentMessagesMap
  if (!(cache instanceof LRUCache) || !cache.ttlAutopurge || cache.size > 0 || cache.ttl <= 0 || cache.max <= 0) return false
  const { max, ttl, dispose } = cache as LRUCache<string, object>
  manager.recentMessagesMap = new LRUCache<string, object>({ max, ttl, ...(dispose ? { dispose } : {}) })
  return true
}
