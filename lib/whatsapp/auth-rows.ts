import type { DB } from '@/lib/db/client'

/**
 * The auth state's rows in SQLite (`wa_creds`, `wa_keys`, `wa_key_packs`): the AAD each sealed value
 * is bound to, and the statements that read and write them (lib/whatsapp/auth-state.ts composes them).
 */

export type SealedRow = { key_id: string; value: Buffer }
/** A wa_keys row: its own sealed value, or (both null) a pointer to the pack holding it. */
export type KeyRow = { key_id: string | null; value: Buffer | null; pack_id: number | null }

/** AAD of a creds row: binds the blob to its account, so rows cannot be moved between accounts. */
export const credsAad = (accountId: string): Buffer => Buffer.from(`wa_creds\u0000${accountId}`)
/** AAD of a key row: binds the blob to (account, type, id), so rows cannot be swapped. */
export const keyAad = (accountId: string, type: string, id: string): Buffer =>
  Buffer.from(`wa_keys\u0000${accountId}\u0000${type}\u0000${id}`)

/** AAD of a pack: binds it to (account, pack id); the manifest inside binds each value to its (type, id). */
export const packAad = (accountId: string, packId: number): Buffer => Buffer.from(`wa_key_packs\u0000${accountId}\u0000${packId}`)

/** How many packed rows one statement points at their pack (the rest of a pack go one by one). */
export const PACKED_ROWS_PER_INSERT = 32

type Sqlite = DB['$client']
export type AuthStatements = ReturnType<typeof prepareStatements>

/**
 * The store's statements, prepared once per database connection and shared by every account's store
 * (each takes the account id as a parameter): a gateway with 1,000 accounts would otherwise hold
 * 1,000 copies of each compiled statement. Safe to share: better-sqlite3 runs them synchronously.
 */
const statementCache = new WeakMap<Sqlite, AuthStatements>()
export const statementsFor = (sqlite: Sqlite): AuthStatements => {
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
