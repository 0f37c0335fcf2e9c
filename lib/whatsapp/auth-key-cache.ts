/**
 * The decoded key values of one account's store, most recently used last (lib/whatsapp/auth-state.ts).
 * The store is the only writer of its account's rows, so a write-through cache stays exact. It holds
 * the objects Baileys handed to set() / got from get() by reference, the same contract as Baileys'
 * makeCacheableSignalKeyStore (useClones: false).
 */
export type KeyCache = {
  get(key: string): unknown
  /** keeps `value` (ABSENT for a key known to have no row) as the most recently used */
  remember(key: string, value: unknown): void
  forget(key: string): void
  clear(): void
}

export const cacheKey = (type: string, id: string) => `${type}\u0000${id}`

// One-time pre-keys are read back once right after the first-login write and then at most once
// each, when a new contact starts a session: caching them would keep ~1 MB per account for nothing.
export const cacheable = (type: string) => type !== 'pre-key'

export function createKeyCache(maxEntries: number): KeyCache {
  /** Map order is insertion order, so re-inserting on every hit makes the first entry the least recently used. */
  const cache = new Map<string, unknown>()
  return {
    get: (k) => cache.get(k),
    remember(k, v) {
      cache.delete(k)
      cache.set(k, v)
      if (cache.size > maxEntries) {
        const oldest = cache.keys().next()
        if (!oldest.done) cache.delete(oldest.value)
      }
    },
    forget: (k) => void cache.delete(k),
    clear: () => cache.clear(),
  }
}
