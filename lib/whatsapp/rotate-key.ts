import { isDecryptionError, type Keyring } from '@/lib/crypto/aead'
import type { DB } from '@/lib/db/client'
import { AppError } from '@/lib/errors'
import type { Logger } from '@/lib/logger'
import { credsAad, keyAad, packAad } from '@/lib/whatsapp/auth-rows'
import { webhookSecretsAad } from '@/lib/webhooks/secrets'

export type RotationResult = {
  /** key id every row is under afterwards */
  keyId: string
  credsRotated: number
  keysRotated: number
  packsRotated: number
  /** webhook endpoints whose sealed secrets (signing secrets, custom headers) were re-sealed */
  webhookSecretsRotated: number
}

type SealedRow = { rowid: number; account_id: string; key_id: string; value: Buffer }
type KeyRow = SealedRow & { type: string; id: string }
type PackRow = SealedRow & { pack_id: number }
/** A table of sealed rows: what to select besides the sealed value, and how to rebuild a row's AAD. */
type SealedTable<R extends SealedRow> = {
  name: string
  /** the columns holding the key id and the sealed value (default key_id, value) */
  keyColumn?: string
  valueColumn?: string
  /** more columns to select (", a, b") */
  columns: string
  /** more assignments when a row is rewritten (", c = …") */
  alsoSet: string
  aad: (row: R) => Buffer
  details: (row: R) => Record<string, string>
}

const NOW_MS = `cast(unixepoch('subsec') * 1000 as integer)`

/**
 * Re-encrypts every wa_creds / wa_keys / wa_key_packs row, and every webhook endpoint's sealed secrets, whose key id is not the keyring's current one.
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

  /** Re-seals every row of one table that is under another key, a batch per transaction; returns how many. */
  const rotate = <R extends SealedRow>(table: SealedTable<R>): number => {
    const keyCol = table.keyColumn ?? 'key_id'
    const valueCol = table.valueColumn ?? 'value'
    const select = sqlite.prepare<[string, number, number], R>(
      `SELECT rowid, account_id, ${keyCol} AS key_id, ${valueCol} AS value${table.columns} FROM ${table.name} WHERE ${keyCol} != ? AND rowid > ? ORDER BY rowid LIMIT ?`,
    )
    const update = sqlite.prepare<[string, Buffer, number]>(
      `UPDATE ${table.name} SET ${keyCol} = ?, ${valueCol} = ?${table.alsoSet} WHERE rowid = ?`,
    )
    const batch = sqlite.transaction((after: number) => {
      const rows = select.all(current, after, batchSize)
      for (const row of rows) {
        const aad = table.aad(row)
        let sealed
        try {
          sealed = keyring.encrypt(keyring.decrypt(row.key_id, row.value, aad), aad)
        } catch (e) {
          const reason = isDecryptionError(e) ? e.reason : 'unknown'
          throw new AppError('auth_state_corrupt', `cannot decrypt a ${table.name} row for rotation (${reason})`, {
            details: { table: table.name, accountId: row.account_id, keyId: row.key_id, ...table.details(row), reason },
            cause: e,
          })
        }
        update.run(sealed.keyId, sealed.value, row.rowid)
      }
      return { count: rows.length, last: rows.at(-1)?.rowid }
    })
    let total = 0
    for (let step = batch.immediate(0); step.last !== undefined; step = batch.immediate(step.last)) {
      total += step.count
      logger.info({ table: table.name, rotated: total }, 'key rotation progress')
    }
    return total
  }

  const credsRotated = rotate<SealedRow>({
    name: 'wa_creds',
    columns: '',
    alsoSet: `, updated_at = ${NOW_MS}`,
    aad: (r) => credsAad(r.account_id),
    details: () => ({}),
  })
  const keysRotated = rotate<KeyRow>({
    // Rows that point at a pack have no key id of their own (NULL never matches !=): their pack is rotated below.
    name: 'wa_keys',
    columns: ', type, id',
    alsoSet: '',
    aad: (r) => keyAad(r.account_id, r.type, r.id),
    details: (r) => ({ type: r.type, id: r.id }),
  })
  const packsRotated = rotate<PackRow>({
    name: 'wa_key_packs',
    columns: ', pack_id',
    alsoSet: '',
    aad: (r) => packAad(r.account_id, r.pack_id),
    details: (r) => ({ packId: String(r.pack_id) }),
  })
  const webhookSecretsRotated = rotate<SealedRow & { id: string }>({
    name: 'webhook_endpoints',
    keyColumn: 'secrets_key_id',
    valueColumn: 'secrets',
    columns: ', id',
    alsoSet: '',
    aad: (r) => webhookSecretsAad(r.id),
    details: (r) => ({ endpointId: r.id }),
  })
  logger.info({ keyId: current, credsRotated, keysRotated, packsRotated, webhookSecretsRotated }, 'key rotation done')
  return { keyId: current, credsRotated, keysRotated, packsRotated, webhookSecretsRotated }
}

/** Rows still under a key id other than the current one; 0 once rotation has finished. */
export function countRowsNotUnder(db: DB, keyId: string): number {
  const row = db.$client
    .prepare<[string, string, string, string], { n: number }>(
      `SELECT (SELECT count(*) FROM wa_creds WHERE key_id != ?) + (SELECT count(*) FROM wa_keys WHERE key_id != ?)
        + (SELECT count(*) FROM wa_key_packs WHERE key_id != ?) + (SELECT count(*) FROM webhook_endpoints WHERE secrets_key_id != ?) AS n`,
    )
    .get(keyId, keyId, keyId, keyId)
  return row?.n ?? 0
}
