import { isDecryptionError, type Keyring } from '@/lib/crypto/aead'
import type { DB } from '@/lib/db/client'
import { AppError } from '@/lib/errors'
import type { Logger } from '@/lib/logger'
import { credsAad, keyAad, packAad } from '@/lib/whatsapp/auth-state'

export type RotationResult = {
  /** key id every row is under afterwards */
  keyId: string
  credsRotated: number
  keysRotated: number
  packsRotated: number
}

type CredsRow = { rowid: number; account_id: string; key_id: string; value: Buffer }
type KeyRow = CredsRow & { type: string; id: string }
type PackRow = CredsRow & { pack_id: number }

/**
 * Re-encrypts every wa_creds / wa_keys / wa_key_packs row whose key id is not the keyring's current one.
 *
 * Works in batches, each its own IMMEDIATE transaction (read, re-seal and write under one lock, so
 * a gateway writing the same rows meanwhile is never overwritten with stale data, and it only waits
 * for one batch). Rows are walked by rowid, so the run ends even if a batch fails; a row that does
 * not decrypt stops the run with `auth_state_corrupt` — batches before it stay committed and a re-run
 * picks up where it stopped.
 */
export function rotateAuthStateKeys(opts: { db: DB; keyring: Keyring; logger: Logger; batchSize?: number }): RotationResult {
  const { keyring, logger } = opts
  const sqlite = opts.db.$client
  const batchSize = opts.batchSize ?? 500
  const current = keyring.currentKeyId

  const reseal = (table: string, row: CredsRow, aad: Buffer, details: Record<string, string>) => {
    try {
      return keyring.encrypt(keyring.decrypt(row.key_id, row.value, aad), aad)
    } catch (e) {
      const reason = isDecryptionError(e) ? e.reason : 'unknown'
      throw new AppError('auth_state_corrupt', `cannot decrypt a ${table} row for rotation (${reason})`, {
        details: { table, accountId: row.account_id, keyId: row.key_id, ...details, reason },
        cause: e,
      })
    }
  }

  const credsBatch = sqlite.prepare<[string, number, number], CredsRow>(
    'SELECT rowid, account_id, key_id, value FROM wa_creds WHERE key_id != ? AND rowid > ? ORDER BY rowid LIMIT ?',
  )
  const credsUpdate = sqlite.prepare<[string, Buffer, number, number]>(
    'UPDATE wa_creds SET key_id = ?, value = ?, updated_at = ? WHERE rowid = ?',
  )
  const keysBatch = sqlite.prepare<[string, number, number], KeyRow>(
    'SELECT rowid, account_id, type, id, key_id, value FROM wa_keys WHERE key_id != ? AND rowid > ? ORDER BY rowid LIMIT ?',
  )
  // Rows that point at a pack have no key id of their own (NULL never matches !=): their pack is rotated below.
  const keysUpdate = sqlite.prepare<[string, Buffer, number]>('UPDATE wa_keys SET key_id = ?, value = ? WHERE rowid = ?')
  const packsBatch = sqlite.prepare<[string, number, number], PackRow>(
    'SELECT rowid, account_id, pack_id, key_id, value FROM wa_key_packs WHERE key_id != ? AND rowid > ? ORDER BY rowid LIMIT ?',
  )
  const packsUpdate = sqlite.prepare<[string, Buffer, number]>('UPDATE wa_key_packs SET key_id = ?, value = ? WHERE rowid = ?')

  const rotateCreds = sqlite.transaction((after: number) => {
    const rows = credsBatch.all(current, after, batchSize)
    for (const row of rows) {
      const sealed = reseal('wa_creds', row, credsAad(row.account_id), {})
      credsUpdate.run(sealed.keyId, sealed.value, Date.now(), row.rowid)
    }
    return { count: rows.length, last: rows.at(-1)?.rowid }
  })
  const rotateKeys = sqlite.transaction((after: number) => {
    const rows = keysBatch.all(current, after, batchSize)
    for (const row of rows) {
      const sealed = reseal('wa_keys', row, keyAad(row.account_id, row.type, row.id), { type: row.type, id: row.id })
      keysUpdate.run(sealed.keyId, sealed.value, row.rowid)
    }
    return { count: rows.length, last: rows.at(-1)?.rowid }
  })

  const rotatePacks = sqlite.transaction((after: number) => {
    const rows = packsBatch.all(current, after, batchSize)
    for (const row of rows) {
      const sealed = reseal('wa_key_packs', row, packAad(row.account_id, row.pack_id), { packId: String(row.pack_id) })
      packsUpdate.run(sealed.keyId, sealed.value, row.rowid)
    }
    return { count: rows.length, last: rows.at(-1)?.rowid }
  })

  const drain = (batch: { immediate: (after: number) => { count: number; last: number | undefined } }, table: string) => {
    let total = 0
    let after = 0
    for (;;) {
      const { count, last } = batch.immediate(after)
      if (last === undefined) return total
      total += count
      after = last
      logger.info({ table, rotated: total }, 'key rotation progress')
    }
  }

  const credsRotated = drain(rotateCreds, 'wa_creds')
  const keysRotated = drain(rotateKeys, 'wa_keys')
  const packsRotated = drain(rotatePacks, 'wa_key_packs')
  logger.info({ keyId: current, credsRotated, keysRotated, packsRotated }, 'key rotation done')
  return { keyId: current, credsRotated, keysRotated, packsRotated }
}

/** Rows still under a key id other than the current one; 0 once rotation has finished. */
export function countRowsNotUnder(db: DB, keyId: string): number {
  const row = db.$client
    .prepare<[string, string, string], { n: number }>(
      `SELECT (SELECT count(*) FROM wa_creds WHERE key_id != ?) + (SELECT count(*) FROM wa_keys WHERE key_id != ?)
        + (SELECT count(*) FROM wa_key_packs WHERE key_id != ?) AS n`,
    )
    .get(keyId, keyId, keyId)
  return row?.n ?? 0
}
