import type { AuthenticationState, SignalDataSet, SignalDataTypeMap } from '@whiskeysockets/baileys'
import type { Keyring } from '@/lib/crypto/aead'
import type { DB } from '@/lib/db/client'
import type { AppError } from '@/lib/errors'
import type { Logger } from '@/lib/logger'
import { cacheable, cacheKey, createKeyCache } from '@/lib/whatsapp/auth-key-cache'
import { ABSENT, type AuthRows, corruptionReporter, loadCreds, readKey } from '@/lib/whatsapp/auth-reads'
import { credsAad, statementsFor } from '@/lib/whatsapp/auth-rows'
import { type Entry, type KeyWrites, sortWrites, writeKeys } from '@/lib/whatsapp/auth-writes'
import { serializeAuthValue } from '@/lib/whatsapp/auth-json'
import { createHeldWrites } from '@/lib/whatsapp/held-writes'
import type { OpenPack } from '@/lib/whatsapp/key-pack'

export { credsAad, keyAad, packAad } from '@/lib/whatsapp/auth-rows'
export { PACK_MAX, PACK_MIN } from '@/lib/whatsapp/auth-writes'

/**
 * Baileys auth state of one account in SQLite (`wa_creds`, `wa_keys`, `wa_key_packs`), encrypted
 * with the keyring. This file composes the store; its parts:
 * - auth-rows.ts: the rows' AADs and the prepared statements (shared by every account's store);
 * - auth-reads.ts: creds and key values read back, and what a corrupt row becomes;
 * - auth-writes.ts: key writes, pre-key batches sealed in packs;
 * - auth-key-cache.ts: the decoded values kept in memory;
 * - held-writes.ts: writes held in memory while a decrypt runs (the decrypt journal).
 *
 * Where the time goes (bench/auth-state.bench.ts, profiled): a cold session read is a SELECT plus
 * AES-GCM decrypt plus JSON.parse with Baileys' reviver; a session write was mostly BufferJSON's
 * replacer (a JS callback per JSON node), then the commit (~8–10 µs in WAL/NORMAL) and AES-GCM
 * (~4 µs fixed per call in Node — cipher setup, update/final/getAuthTag — plus ~1 ns/byte; 10–20 µs
 * inside a real write). So: reads are served from a per-account cache of decoded values — this store
 * is the only writer of its account's rows, so a write-through cache stays exact; values are
 * pre-shaped for BufferJSON instead of using its replacer (auth-json.ts); statements are prepared
 * once; pre-keys are sealed in packs (auth-writes.ts).
 *
 * The cache holds the objects Baileys handed to set() / got from get() by reference, the same
 * contract as Baileys' makeCacheableSignalKeyStore (useClones: false) — so do not wrap this store in
 * that one as well.
 */

export type SqliteAuthState = {
  state: AuthenticationState
  saveCreds(): Promise<void>
  /** Deletes the account's creds and keys in one transaction; the store is unusable afterwards. */
  clear(): void
  /**
   * Runs `work` with this store's key writes held in memory (readers see them), then commits them
   * and `also(result)` in one transaction; on error only the held writes (lib/whatsapp/held-writes.ts).
   */
  holdKeyWrites<T>(work: () => Promise<T>, also: (result: T) => void): Promise<T>
}

export type SqliteAuthStateOptions = {
  db: DB
  accountId: string
  keyring: Keyring
  logger: Logger
  /** Most decoded key values kept in memory (LRU). Sessions are ~1–3 KB each. */
  cacheEntries?: number
  /**
   * Called when a stored row cannot be decrypted or parsed. keys.get throws in that case, but
   * Baileys swallows errors from some reads (loadSession returns null on any error), so this is how
   * the session learns that its state is corrupt and can fail with that reason.
   */
  onCorrupt?: (error: AppError) => void
}

type KeyType = keyof SignalDataTypeMap

const DEFAULT_CACHE_ENTRIES = 5000

export function useSqliteAuthState(opts: SqliteAuthStateOptions): SqliteAuthState {
  const { db, accountId, keyring } = opts
  const logger = opts.logger.child({ accountId, component: 'auth-state' })
  const sqlite = db.$client
  const stmt = statementsFor(sqlite)
  const rows: AuthRows = {
    accountId,
    keyring,
    stmt,
    logger,
    corrupt: corruptionReporter({ accountId, logger, onCorrupt: opts.onCorrupt }),
  }
  const cache = createKeyCache(Math.max(1, opts.cacheEntries ?? DEFAULT_CACHE_ENTRIES))

  const writeKeysNow = sqlite.transaction((writes: KeyWrites) => writeKeys(rows, writes))
  /** Writes the entries (and whatever `also` writes) in one IMMEDIATE transaction. */
  const writeKeysWith = sqlite.transaction((writes: KeyWrites, also: () => void) => {
    writeKeys(rows, writes)
    also()
  })
  const wipeKeys = sqlite.transaction(() => {
    stmt.delAllKeys.run(accountId)
    stmt.delAllPacks.run(accountId)
  })
  const wipe = sqlite.transaction(() => {
    wipeKeys()
    stmt.delCreds.run(accountId)
  })

  let cleared = false
  const isCleared = () => cleared
  const commit = (entries: Entry[], also?: () => void) => {
    const writes = sortWrites(entries)
    try {
      if (also) writeKeysWith.immediate(writes, also)
      else writeKeysNow.immediate(writes)
    } catch (e) {
      // The values may already be mutated in place by the caller (they are often objects we
      // returned from get), so forget them: the next get re-reads what the rollback left on disk.
      for (const w of entries) cache.forget(cacheKey(w.type, w.id))
      throw e
    }
    for (const e of entries) {
      const k = cacheKey(e.type, e.id)
      if (cacheable(e.type)) cache.remember(k, e.value ?? ABSENT)
      else cache.forget(k)
    }
  }

  // After clear() nothing held is written back (see set).
  const held = createHeldWrites<Entry>((entries, also) => (cleared ? undefined : commit(entries, also)))

  const creds = loadCreds(rows)

  const keys: AuthenticationState['keys'] = {
    get: async <T extends KeyType>(type: T, ids: string[]) => {
      const out: Record<string, SignalDataTypeMap[T]> = {}
      if (cleared) return out
      const packs = new Map<number, OpenPack>()
      const keep = cacheable(type)
      for (const id of ids) {
        const k = cacheKey(type, id)
        const h = held.read(k)
        if (h) {
          if (h.value.value !== null && h.value.value !== undefined) out[id] = h.value.value as SignalDataTypeMap[T]
          continue
        }
        let v = cache.get(k)
        if (v === undefined) v = readKey(rows, type, id, packs)
        if (keep) cache.remember(k, v)
        if (v !== ABSENT && v !== null && v !== undefined) out[id] = v as SignalDataTypeMap[T]
      }
      return out
    },
    // Synchronous to the end (better-sqlite3 is): the set has committed before its promise is returned,
    // so concurrent sets commit in call order and a get() right after sees the new values.
    set: async (data: SignalDataSet) => {
      if (cleared) {
        logger.warn('keys.set after clear(): ignored so that a logged-out identity is not written back')
        return
      }
      // Serialised within this call (commit is synchronous), while the values are exactly what the caller handed us.
      const entries: Entry[] = []
      for (const type in data) {
        const byId = data[type as KeyType]
        if (!byId) continue
        for (const id in byId) {
          const value: unknown = byId[id]
          entries.push({ type, id, value: value ?? null })
        }
      }
      // Inside holdKeyWrites the entries wait in memory for its commit; a write to a key held
      // there by another context waits for that commit first. Otherwise they commit now.
      const held_ = held.hold(entries.map((e) => ({ key: cacheKey(e.type, e.id), entry: e })))
      if (typeof held_ === 'boolean' ? held_ : await held_) return
      if (isCleared()) return // while it waited
      commit(entries)
    },
    clear: async () => {
      wipeKeys.immediate()
      held.clear()
      cache.clear()
    },
  }

  return {
    state: { creds, keys },
    saveCreds: async () => {
      if (cleared) {
        logger.warn('saveCreds after clear(): ignored so that a logged-out identity is not written back')
        return
      }
      const sealed = keyring.encrypt(serializeAuthValue(creds), credsAad(accountId))
      stmt.putCreds.run(accountId, sealed.keyId, sealed.value, Date.now())
    },
    holdKeyWrites: (work, also) => held.run(work, also),
    clear: () => {
      wipe.immediate()
      held.clear()
      cache.clear()
      cleared = true
      logger.info('auth state cleared')
    },
  }
}
