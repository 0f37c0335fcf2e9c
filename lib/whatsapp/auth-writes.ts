import { serializeAuthValue, serializeAuthValueText } from '@/lib/whatsapp/auth-json'
import { keyAad, packAad, PACKED_ROWS_PER_INSERT } from '@/lib/whatsapp/auth-rows'
import { type AuthRows, openPack } from '@/lib/whatsapp/auth-reads'
import { encodePack, packEntryKey } from '@/lib/whatsapp/key-pack'

/**
 * Writing key values, inside the caller's IMMEDIATE transaction (lib/whatsapp/auth-state.ts).
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
 */

/** Sets with at least this many pre-keys are packed (a first login, a top-up); fewer are sealed per row. */
export const PACK_MIN = 16
/** Values per pack: what removing one pre-key re-seals (~128 × 150 bytes). 812 pre-keys → 7 packs. */
export const PACK_MAX = 128

/** value null: delete the row */
export type Entry = { type: string; id: string; value: unknown }
export type KeyWrites = { rowPuts: Entry[]; packPuts: Entry[]; deletes: Entry[] }

/** Which entries are deleted, which sealed one per row, and which (a batch of pre-keys) in packs. */
export function sortWrites(entries: readonly Entry[]): KeyWrites {
  const rowPuts: Entry[] = []
  const packPuts: Entry[] = []
  const deletes: Entry[] = []
  for (const e of entries) (e.value === null ? deletes : e.type === 'pre-key' ? packPuts : rowPuts).push(e)
  if (packPuts.length < PACK_MIN) rowPuts.push(...packPuts.splice(0))
  return { rowPuts, packPuts, deletes }
}

const sealPack = (rows: AuthRows, packId: number, plain: Buffer) => rows.keyring.encrypt(plain, packAad(rows.accountId, packId))

/**
 * One keys.set(), inside its IMMEDIATE transaction. `leaving` collects, per pack, the entries that
 * this write deletes or overwrites; those packs are re-sealed without them at the end.
 */
export function writeKeys(rows: AuthRows, { rowPuts, packPuts, deletes }: KeyWrites): void {
  const { accountId, keyring, stmt } = rows
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
    const sealed = sealPack(
      rows,
      packId,
      encodePack(chunk.map((e) => ({ type: e.type, id: e.id, bytes: serializeAuthValueText(e.value) }))),
    )
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
    const rest = openPack(rows, packId, {}).without(keys)
    if (rest === null) {
      stmt.delPack.run(accountId, packId)
    } else {
      const sealed = sealPack(rows, packId, rest)
      stmt.resealPack.run(sealed.keyId, sealed.value, accountId, packId)
    }
  }
}
