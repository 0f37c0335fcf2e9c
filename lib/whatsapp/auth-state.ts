import {
  BufferJSON, initAuthCreds, proto,
  type AuthenticationCreds, type AuthenticationState, type SignalDataSet, type SignalDataTypeMap,
} from '@whiskeysockets/baileys'
import { isDecryptionError, type Keyring } from '@/lib/crypto/aead'
import type { DB } from '@/lib/db/client'
import { AppError } from '@/lib/errors'
import type { Logger } from '@/lib/logger'

/**
 * Baileys auth state of one account in SQLite (`wa_creds`, `wa_keys`), encrypted with the keyring.
 *
 * Where the time goes (bench/auth-state.bench.ts, profiled): a cold session read is a SELECT plus
 * AES-GCM decrypt plus JSON.parse with Baileys' reviver; a session write was mostly BufferJSON's
 * replacer (a JS callback per JSON node), then the commit (~8–10 µs in WAL/NORMAL) and AES-GCM
 * (~4 µs fixed per call in Node — cipher setup, update/final/getAuthTag — plus ~1 ns/byte).
 * So: reads are served from a per-account cache of decoded values — this store is the only writer
 * of its account's rows, so a write-through cache stays exact; values are pre-shaped for BufferJSON
 * instead of using its replacer; statements are prepared once. A large set (812 pre-keys at first
 * login) is sealed by keyring.encryptEach, which shares the AES-GCM calls with a worker thread while
 * this thread serialises and inserts: everything happens inside the one IMMEDIATE transaction, still
 * synchronously. The cache holds the objects Baileys handed to set() / got from get() by reference,
 * the same contract as Baileys' makeCacheableSignalKeyStore (useClones: false) — so do not wrap this
 * store in that one as well.
 */

export type SqliteAuthState = {
  state: AuthenticationState
  saveCreds(): Promise<void>
  /** Deletes the account's creds and keys in one transaction; the store is unusable afterwards. */
  clear(): void
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
type KeyRow = { key_id: string; value: Buffer }
/** value null: delete the row */
type Entry = { type: string; id: string; value: unknown }

/** AAD of a creds row: binds the blob to its account, so rows cannot be moved between accounts. */
export const credsAad = (accountId: string): Buffer => Buffer.from(`wa_creds\u0000${accountId}`)
/** AAD of a key row: binds the blob to (account, type, id), so rows cannot be swapped. */
export const keyAad = (accountId: string, type: string, id: string): Buffer =>
  Buffer.from(`wa_keys\u0000${accountId}\u0000${type}\u0000${id}`)

const ABSENT = Symbol('absent')
const DEFAULT_CACHE_ENTRIES = 5000

const USE_REPLACER = Symbol('use-replacer')

/**
 * The value in the shape JSON.stringify(value, BufferJSON.replacer) would give it — binary data as
 * {type: 'Buffer', data: base64} — copying only the objects on the way to a Buffer. Anything whose
 * serialisation we do not replicate exactly (class instances such as protos, toJSON, objects already
 * shaped like a Buffer, very deep or cyclic values) answers USE_REPLACER instead.
 */
function bufferJsonShape(v: unknown, depth: number): unknown {
  if (typeof v !== 'object' || v === null) return v
  if (v instanceof Uint8Array) {
    return { type: 'Buffer', data: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') }
  }
  if (depth > 32) return USE_REPLACER
  if (Array.isArray(v)) {
    let copy: unknown[] | undefined
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i]
      const shaped = bufferJsonShape(item, depth + 1)
      if (shaped === USE_REPLACER) return USE_REPLACER
      if (shaped !== item) (copy ??= v.slice())[i] = shaped
    }
    return copy ?? v
  }
  const proto: unknown = Object.getPrototypeOf(v)
  if (proto !== Object.prototype && proto !== null) return USE_REPLACER
  const record = v as Record<string, unknown>
  if (typeof record.toJSON === 'function' || record.type === 'Buffer') return USE_REPLACER
  let copy: Record<string, unknown> | undefined
  for (const k of Object.keys(record)) {
    const item = record[k]
    const shaped = bufferJsonShape(item, depth + 1)
    if (shaped === USE_REPLACER) return USE_REPLACER
    if (shaped !== item) (copy ??= { ...record })[k] = shaped
  }
  return copy ?? v
}

/**
 * Baileys' BufferJSON format, byte for byte. The replacer is a JS callback run for every node of the
 * value (and Buffers first go through toJSON into arrays of numbers); for a ~1.5 KB libsignal session
 * that was most of the cost of a write. Values are pre-shaped instead and stringified without it.
 */
export function serializeAuthValue(value: unknown): Buffer {
  const shaped = bufferJsonShape(value, 0)
  const json = shaped === USE_REPLACER ? JSON.stringify(value, BufferJSON.replacer) : JSON.stringify(shaped)
  return Buffer.from(json, 'utf8')
}

export function useSqliteAuthState(opts: SqliteAuthStateOptions): SqliteAuthState {
  const { db, accountId, keyring } = opts
  const logger = opts.logger.child({ accountId, component: 'auth-state' })
  const sqlite = db.$client
  const maxEntries = Math.max(1, opts.cacheEntries ?? DEFAULT_CACHE_ENTRIES)

  const stmt = {
    getCreds: sqlite.prepare<[string], KeyRow>('SELECT key_id, value FROM wa_creds WHERE account_id = ?'),
    putCreds: sqlite.prepare<[string, string, Buffer, number]>(
      `INSERT INTO wa_creds (account_id, key_id, value, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (account_id) DO UPDATE SET key_id = excluded.key_id, value = excluded.value, updated_at = excluded.updated_at`,
    ),
    getKey: sqlite.prepare<[string, string, string], KeyRow>(
      'SELECT key_id, value FROM wa_keys WHERE account_id = ? AND type = ? AND id = ?',
    ),
    putKey: sqlite.prepare<[string, string, string, string, Buffer]>(
      `INSERT INTO wa_keys (account_id, type, id, key_id, value) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (account_id, type, id) DO UPDATE SET key_id = excluded.key_id, value = excluded.value`,
    ),
    delKey: sqlite.prepare<[string, string, string]>('DELETE FROM wa_keys WHERE account_id = ? AND type = ? AND id = ?'),
    delAllKeys: sqlite.prepare<[string]>('DELETE FROM wa_keys WHERE account_id = ?'),
    delCreds: sqlite.prepare<[string]>('DELETE FROM wa_creds WHERE account_id = ?'),
  }

  /** Serialised, sealed and inserted in one go: keyring.encryptEach overlaps the three for big batches. */
  const writeKeys = sqlite.transaction((puts: Entry[], deletes: Entry[]) => {
    for (const d of deletes) stmt.delKey.run(accountId, d.type, d.id)
    keyring.encryptEach(
      puts.length,
      (i) => {
        const e = puts[i] as Entry
        // The AAD only matters to a keyring that encrypts (the benchmark's plaintext one does not).
        return { plaintext: serializeAuthValue(e.value), aad: keyring.encrypts ? keyAad(accountId, e.type, e.id) : undefined }
      },
      (i, sealed) => {
        const e = puts[i] as Entry
        stmt.putKey.run(accountId, e.type, e.id, sealed.keyId, sealed.value)
      },
    )
  })
  const wipe = sqlite.transaction(() => {
    stmt.delAllKeys.run(accountId)
    stmt.delCreds.run(accountId)
  })

  /** Map order is insertion order, so re-inserting on every hit makes the first entry the least recently used. */
  const cache = new Map<string, unknown>()
  const cacheKey = (type: string, id: string) => `${type}\u0000${id}`
  const remember = (k: string, v: unknown) => {
    cache.delete(k)
    cache.set(k, v)
    if (cache.size > maxEntries) {
      const oldest = cache.keys().next()
      if (!oldest.done) cache.delete(oldest.value)
    }
  }

  let cleared = false
  const commit = (entries: Entry[]) => {
    const puts: Entry[] = []
    const deletes: Entry[] = []
    for (const e of entries) (e.value === null ? deletes : puts).push(e)
    try {
      writeKeys.immediate(puts, deletes)
    } catch (e) {
      // The values may already be mutated in place by the caller (they are often objects we
      // returned from get), so forget them: the next get re-reads what the rollback left on disk.
      for (const w of entries) cache.delete(cacheKey(w.type, w.id))
      throw e
    }
    for (const e of entries) {
      const k = cacheKey(e.type, e.id)
      // One-time pre-keys are written 812 at a time at first login and read at most once each, when a
      // new contact starts a session: caching them on write would keep ~1 MB per account for nothing.
      if (e.type === 'pre-key') cache.delete(k)
      else remember(k, e.value ?? ABSENT)
    }
  }

  const corrupt = (what: string, details: Record<string, string>, cause: unknown): AppError => {
    const reason = isDecryptionError(cause) ? cause.reason : 'unparseable'
    const err = new AppError('auth_state_corrupt', `stored WhatsApp ${what} of this account cannot be read (${reason})`, {
      details: { accountId, ...details, reason },
      cause,
    })
    logger.error({ ...details, reason }, 'auth state row is corrupt')
    opts.onCorrupt?.(err)
    return err
  }

  const loadCreds = (): AuthenticationCreds => {
    const row = stmt.getCreds.get(accountId)
    if (!row) {
      const fresh = initAuthCreds()
      const sealed = keyring.encrypt(serializeAuthValue(fresh), credsAad(accountId))
      stmt.putCreds.run(accountId, sealed.keyId, sealed.value, Date.now())
      logger.info({ keyId: sealed.keyId }, 'no stored creds: generated a new identity')
      return fresh
    }
    try {
      const plain = keyring.decrypt(row.key_id, row.value, credsAad(accountId))
      return JSON.parse(plain.toString('utf8'), BufferJSON.reviver) as AuthenticationCreds
    } catch (e) {
      // Never fall back to initAuthCreds here: a fresh identity would silently unlink the account.
      throw corrupt('creds', { table: 'wa_creds' }, e)
    }
  }

  const readKey = (type: string, id: string): unknown => {
    const row = stmt.getKey.get(accountId, type, id)
    if (!row) return ABSENT
    try {
      const plain = keyring.decrypt(row.key_id, row.value, keyAad(accountId, type, id))
      const value: unknown = JSON.parse(plain.toString('utf8'), BufferJSON.reviver)
      return type === 'app-state-sync-key' && value && typeof value === 'object'
        ? proto.Message.AppStateSyncKeyData.fromObject(value)
        : value
    } catch (e) {
      // Thrown rather than treated as missing: a missing session/key would be silently recreated
      // and the peer would see "waiting for this message"; the caller (or onCorrupt) fails the session.
      throw corrupt('key', { table: 'wa_keys', type, id }, e)
    }
  }

  const creds = loadCreds()

  const keys: AuthenticationState['keys'] = {
    get: async <T extends KeyType>(type: T, ids: string[]) => {
      const out: { [id: string]: SignalDataTypeMap[T] } = {}
      if (cleared) return out
      for (const id of ids) {
        const k = cacheKey(type, id)
        let v = cache.get(k)
        if (v === undefined) v = readKey(type, id)
        remember(k, v)
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
      commit(entries)
    },
    clear: async () => {
      sqlite.transaction(() => stmt.delAllKeys.run(accountId)).immediate()
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
    clear: () => {
      wipe.immediate()
      cache.clear()
      cleared = true
      logger.info('auth state cleared')
    },
  }
}
