import {
  BufferJSON,
  initAuthCreds,
  proto,
  type AuthenticationCreds,
  type AuthenticationState,
  type SignalDataSet,
  type SignalDataTypeMap,
} from '@whiskeysockets/baileys'
import { isDecryptionError, type Keyring } from '@/lib/crypto/aead'
import type { DB } from '@/lib/db/client'
import { AppError } from '@/lib/errors'
import type { Logger } from '@/lib/logger'
import { createHeldWrites } from '@/lib/whatsapp/held-writes'
import { serializeAuthValue, serializeAuthValueText } from '@/lib/whatsapp/auth-json'
import { decodePack, encodePack, MalformedPackError, packEntryKey, type OpenPack } from '@/lib/whatsapp/key-pack'

/**
 * Baileys auth state of one account in SQLite (`wa_creds`, `wa_keys`, `wa_key_packs`), encrypted
 * with the keyring.
 *
 * Where the time goes (bench/auth-state.bench.ts, profiled): a cold session read is a SELECT plus
 * AES-GCM decrypt plus JSON.parse with Baileys' reviver; a session write was mostly BufferJSON's
 * replacer (a JS callback per JSON node), then the commit (~8–10 µs in WAL/NORMAL) and AES-GCM
 * (~4 µs fixed per call in Node — cipher setup, update/final/getAuthTag — plus ~1 ns/byte; 10–20 µs
 * inside a real write). So: reads are served from a per-account cache of decoded values — this store
 * is the only writer of its account's rows, so a write-through cache stays exact; values are
 * pre-shaped for BufferJSON instead of using its replacer; statements are prepared once.
 *
 * Pre-keys are the exception to one sealed value per row. They come 812 at a time at first login
 * (Baileys reads them all back at once to upload them), are never rewritten, and each is read and
 * deleted once, when a new contact starts a session. Sealed one by one, the fixed cost per AES-GCM
 * call was as much as the whole rest of the write. So a set of PACK_MIN or more pre-keys is sealed in
 * packs of up to PACK_MAX values, one AES-GCM call per pack; each value keeps its own `wa_keys` row,
 * pointing at its pack. Removing a value from a pack (deleting or overwriting it) re-seals the pack
 * without it in the same transaction, so a used pre-key's private key does not stay on disk; the last
 * one deletes the pack. Everything else (sessions, sender keys… rewritten on every message) stays one
 * sealed value per row: re-sealing a pack on each rewrite would cost far more than it saves.
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
type SealedRow = { key_id: string; value: Buffer }
/** A wa_keys row: its own sealed value, or (both null) a pointer to the pack holding it. */
type KeyRow = { key_id: string | null; value: Buffer | null; pack_id: number | null }
/** value null: delete the row */
type Entry = { type: string; id: string; value: unknown }

/** AAD of a creds row: binds the blob to its account, so rows cannot be moved between accounts. */
export const credsAad = (accountId: string): Buffer => Buffer.from(`wa_creds\u0000${accountId}`)
/** AAD of a key row: binds the blob to (account, type, id), so rows cannot be swapped. */
export const keyAad = (accountId: string, type: string, id: string): Buffer =>
  Buffer.from(`wa_keys\u0000${accountId}\u0000${type}\u0000${id}`)

/** AAD of a pack: binds it to (account, pack id); the manifest inside binds each value to its (type, id). */
export const packAad = (accountId: string, packId: number): Buffer => Buffer.from(`wa_key_packs\u0000${accountId}\u0000${packId}`)

/** Sets with at least this many pre-keys are packed (a first login, a top-up); fewer are sealed per row. */
export const PACK_MIN = 16
/** Values per pack: what removing one pre-key re-seals (~128 × 150 bytes). 812 pre-keys → 7 packs. */
export const PACK_MAX = 128
const PACKED_ROWS_PER_INSERT = 32

const ABSENT = Symbol('absent')
const DEFAULT_CACHE_ENTRIES = 5000

type Sqlite = DB['$client']

/**
 * The store's statements, prepared once per database connection and shared by every account's store
 * (each takes the account id as a parameter): a gateway with 1,000 accounts would otherwise hold
 * 1,000 copies of each compiled statement. Safe to share: better-sqlite3 runs them synchronously.
 */
const statementCache = new WeakMap<Sqlite, ReturnType<typeof prepareStatements>>()
const statementsFor = (sqlite: Sqlite) => {
  let stmt = statementCache.get(sqlite)
  if (!stmt) statementCache.set(sqlite, (stmt = prepareStatements(sqlite)))
  return stmt
}

/** Points `rows` (account, type, id) rows at a pack; like putKey, it skips rows that are in another pack. */
const packedRowsInsert = (rows: number) =>
  `INSERT INTO wa_keys (account_id, type, id, pack_id) VALUES ${Array(rows).fill('(?, ?, ?, ?)').join(', ')}
   ON CONFLICT (account_id, type, id) DO UPDATE SET key_id = NULL, value = NULL, pack_id = excluded.pack_id
   WHERE wa_keys.pack_id IS NULL`

function prepareStatements(sqlite: Sqlite) {
  return {
    getCreds: sqlite.prepare<[string], SealedRow>('SELECT key_id, value FROM wa_creds WHERE account_id = ?'),
    putCreds: sqlite.prepare<[string, string, Buffer, number]>(
      `INSERT INTO wa_creds (account_id, key_id, value, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (account_id) DO UPDATE SET key_id = excluded.key_id, value = excluded.value, updated_at = excluded.updated_at`,
    ),
    getKey: sqlite.prepare<[string, string, string], KeyRow>(
      'SELECT key_id, value, pack_id FROM wa_keys WHERE account_id = ? AND type = ? AND id = ?',
    ),
    // The conflict update is skipped for a row that lives in a pack (0 changes): the caller takes it out of the pack first.
    putKey: sqlite.prepare<[string, string, string, string, Buffer]>(
      `INSERT INTO wa_keys (account_id, type, id, key_id, value) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (account_id, type, id) DO UPDATE SET key_id = excluded.key_id, value = excluded.value
       WHERE wa_keys.pack_id IS NULL`,
    ),
    // The rows of a pack go in PACKED_ROWS_PER_INSERT at a time (the rest one by one): a statement
    // per row cost about as much again as the rows themselves.
    putPackedKeys: sqlite.prepare<(string | number)[]>(packedRowsInsert(PACKED_ROWS_PER_INSERT)),
    putPackedKey: sqlite.prepare<(string | number)[]>(packedRowsInsert(1)),
    packOf: sqlite.prepare<[string, string, string], { pack_id: number | null }>(
      'SELECT pack_id FROM wa_keys WHERE account_id = ? AND type = ? AND id = ?',
    ),
    repoint: sqlite.prepare<[string | null, Buffer | null, number | null, string, string, string]>(
      'UPDATE wa_keys SET key_id = ?, value = ?, pack_id = ? WHERE account_id = ? AND type = ? AND id = ?',
    ),
    delKey: sqlite.prepare<[string, string, string], { pack_id: number | null }>(
      'DELETE FROM wa_keys WHERE account_id = ? AND type = ? AND id = ? RETURNING pack_id',
    ),
    getPack: sqlite.prepare<[string, number], SealedRow>('SELECT key_id, value FROM wa_key_packs WHERE account_id = ? AND pack_id = ?'),
    lastPackId: sqlite.prepare<[string], { n: number | null }>('SELECT max(pack_id) AS n FROM wa_key_packs WHERE account_id = ?'),
    putPack: sqlite.prepare<[string, number, string, Buffer]>(
      'INSERT INTO wa_key_packs (account_id, pack_id, key_id, value) VALUES (?, ?, ?, ?)',
    ),
    resealPack: sqlite.prepare<[string, Buffer, string, number]>(
      'UPDATE wa_key_packs SET key_id = ?, value = ? WHERE account_id = ? AND pack_id = ?',
    ),
    delPack: sqlite.prepare<[string, number]>('DELETE FROM wa_key_packs WHERE account_id = ? AND pack_id = ?'),
    delAllKeys: sqlite.prepare<[string]>('DELETE FROM wa_keys WHERE account_id = ?'),
    delAllPacks: sqlite.prepare<[string]>('DELETE FROM wa_key_packs WHERE account_id = ?'),
    delCreds: sqlite.prepare<[string]>('DELETE FROM wa_creds WHERE account_id = ?'),
  }
}

export function useSqliteAuthState(opts: SqliteAuthStateOptions): SqliteAuthState {
  const { db, accountId, keyring } = opts
  const logger = opts.logger.child({ accountId, component: 'auth-state' })
  const sqlite = db.$client
  const maxEntries = Math.max(1, opts.cacheEntries ?? DEFAULT_CACHE_ENTRIES)

  const stmt = statementsFor(sqlite)

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

  /** Decrypts and decodes a pack; a pack that is missing, fails its tag or is not a pack is corrupt state. */
  const openPack = (packId: number, details: Record<string, string>): OpenPack => {
    try {
      const row = stmt.getPack.get(accountId, packId)
      if (!row) throw new MalformedPackError('the pack a key row points at does not exist')
      return decodePack(keyring.decrypt(row.key_id, row.value, packAad(accountId, packId)))
    } catch (e) {
      throw corrupt('key', { table: 'wa_key_packs', packId: String(packId), ...details }, e)
    }
  }

  const sealPack = (packId: number, plain: Buffer) => keyring.encrypt(plain, packAad(accountId, packId))

  /**
   * One keys.set(), inside its IMMEDIATE transaction. `leaving` collects, per pack, the entries that
   * this write deletes or overwrites; those packs are re-sealed without them at the end.
   */
  const writeKeysIn = (rowPuts: Entry[], packPuts: Entry[], deletes: Entry[]) => {
    const leaving = new Map<number, Set<string>>()
    const leave = (packId: number, e: Entry) => {
      let keys = leaving.get(packId)
      if (!keys) leaving.set(packId, (keys = new Set()))
      keys.add(packEntryKey(e.type, e.id))
    }
    /** A row that refused an update lives in another pack: take it out of that pack and point the row at its new place. */
    const moveOut = (e: Entry, keyId: string | null, value: Buffer | null, packId: number | null) => {
      const from = stmt.packOf.get(accountId, e.type, e.id)?.pack_id
      if (from == null) throw new Error(`wa_keys row ${e.type}/${e.id} refused an update but is in no pack`)
      leave(from, e)
      stmt.repoint.run(keyId, value, packId, accountId, e.type, e.id)
    }

    for (const d of deletes) {
      const packId = stmt.delKey.get(accountId, d.type, d.id)?.pack_id
      if (packId != null) leave(packId, d)
    }
    for (const e of rowPuts) {
      const sealed = keyring.encrypt(serializeAuthValue(e.value), keyring.encrypts ? keyAad(accountId, e.type, e.id) : undefined)
      if (stmt.putKey.run(accountId, e.type, e.id, sealed.keyId, sealed.value).changes === 0) moveOut(e, sealed.keyId, sealed.value, null)
    }
    // Pack ids count up per account; this transaction is the account's only writer.
    let newPackId = packPuts.length ? (stmt.lastPackId.get(accountId)?.n ?? 0) : 0
    for (let from = 0; from < packPuts.length; from += PACK_MAX) {
      const packId = ++newPackId
      const chunk = packPuts.slice(from, from + PACK_MAX)
      const sealed = sealPack(packId, encodePack(chunk.map((e) => ({ type: e.type, id: e.id, bytes: serializeAuthValueText(e.value) }))))
      stmt.putPack.run(accountId, packId, sealed.keyId, sealed.value)
      let changes = 0
      for (let i = 0; i < chunk.length;) {
        const n = chunk.length - i >= PACKED_ROWS_PER_INSERT ? PACKED_ROWS_PER_INSERT : 1
        const args: (string | number)[] = []
        for (const e of chunk.slice(i, i + n)) args.push(accountId, e.type, e.id, packId)
        changes += (n === 1 ? stmt.putPackedKey : stmt.putPackedKeys).run(...args).changes
        i += n
      }
      // Fewer changes than rows: some were in another pack and refused (the others point here now).
      if (changes < chunk.length) {
        for (const e of chunk) if (stmt.packOf.get(accountId, e.type, e.id)?.pack_id !== packId) moveOut(e, null, null, packId)
      }
    }
    for (const [packId, keys] of leaving) {
      const rest = openPack(packId, {}).without(keys)
      if (rest === null) {
        stmt.delPack.run(accountId, packId)
      } else {
        const sealed = sealPack(packId, rest)
        stmt.resealPack.run(sealed.keyId, sealed.value, accountId, packId)
      }
    }
  }
  const writeKeys = sqlite.transaction(writeKeysIn)
  const wipeKeys = sqlite.transaction(() => {
    stmt.delAllKeys.run(accountId)
    stmt.delAllPacks.run(accountId)
  })
  const wipe = sqlite.transaction(() => {
    wipeKeys()
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
  // One-time pre-keys are read back once right after the first-login write and then at most once
  // each, when a new contact starts a session: caching them would keep ~1 MB per account for nothing.
  const cacheable = (type: string) => type !== 'pre-key'

  let cleared = false
  const isCleared = () => cleared
  /** Writes the entries (and whatever `also` writes) in one IMMEDIATE transaction. */
  const writeWith = sqlite.transaction((rowPuts: Entry[], packPuts: Entry[], deletes: Entry[], also: () => void) => {
    writeKeysIn(rowPuts, packPuts, deletes)
    also()
  })
  const commit = (entries: Entry[], also?: () => void) => {
    const rowPuts: Entry[] = []
    const packPuts: Entry[] = []
    const deletes: Entry[] = []
    for (const e of entries) (e.value === null ? deletes : e.type === 'pre-key' ? packPuts : rowPuts).push(e)
    if (packPuts.length < PACK_MIN) rowPuts.push(...packPuts.splice(0))
    try {
      if (also) writeWith.immediate(rowPuts, packPuts, deletes, also)
      else writeKeys.immediate(rowPuts, packPuts, deletes)
    } catch (e) {
      // The values may already be mutated in place by the caller (they are often objects we
      // returned from get), so forget them: the next get re-reads what the rollback left on disk.
      for (const w of entries) cache.delete(cacheKey(w.type, w.id))
      throw e
    }
    for (const e of entries) {
      const k = cacheKey(e.type, e.id)
      if (cacheable(e.type)) remember(k, e.value ?? ABSENT)
      else cache.delete(k)
    }
  }

  // After clear() nothing held is written back (see set).
  const held = createHeldWrites<Entry>((entries, also) => (cleared ? undefined : commit(entries, also)))

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

  /** `packs`: the packs opened by this get() so far, so reading many values of one pack decrypts it once. */
  const readKey = (type: string, id: string, packs: Map<number, OpenPack>): unknown => {
    const row = stmt.getKey.get(accountId, type, id)
    if (!row) return ABSENT
    const where: Record<string, string> =
      row.pack_id === null ? { table: 'wa_keys', type, id } : { table: 'wa_key_packs', packId: String(row.pack_id), type, id }
    let plain: Buffer
    if (row.pack_id !== null) {
      let pack = packs.get(row.pack_id)
      if (!pack) packs.set(row.pack_id, (pack = openPack(row.pack_id, { type, id })))
      const bytes = pack.get(type, id)
      if (!bytes) throw corrupt('key', where, new MalformedPackError('the pack does not hold the value its row points at'))
      plain = bytes
    } else {
      try {
        // The CHECK constraint guarantees key_id and value when pack_id is null.
        plain = keyring.decrypt(row.key_id ?? '', row.value ?? Buffer.alloc(0), keyAad(accountId, type, id))
      } catch (e) {
        throw corrupt('key', where, e)
      }
    }
    try {
      const value: unknown = JSON.parse(plain.toString('utf8'), BufferJSON.reviver)
      return type === 'app-state-sync-key' && value && typeof value === 'object'
        ? proto.Message.AppStateSyncKeyData.fromObject(value)
        : value
    } catch (e) {
      // Thrown rather than treated as missing: a missing session/key would be silently recreated
      // and the peer would see "waiting for this message"; the caller (or onCorrupt) fails the session.
      throw corrupt('key', where, e)
    }
  }

  const creds = loadCreds()

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
        if (v === undefined) v = readKey(type, id, packs)
        if (keep) remember(k, v)
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
