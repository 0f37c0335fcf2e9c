import { BufferJSON, initAuthCreds, proto, type AuthenticationCreds } from '@whiskeysockets/baileys'
import { isDecryptionError, type Keyring } from '@/lib/crypto/aead'
import { AppError } from '@/lib/errors'
import type { Logger } from '@/lib/logger'
import { serializeAuthValue } from '@/lib/whatsapp/auth-json'
import { type AuthStatements, credsAad, keyAad, packAad } from '@/lib/whatsapp/auth-rows'
import { decodePack, MalformedPackError, type OpenPack } from '@/lib/whatsapp/key-pack'

/**
 * Reading one account's auth state back: the creds, a key value (from its own row or from the pack
 * it points at), and what a row that does not decrypt or parse becomes (auth_state_corrupt, reported
 * through onCorrupt). lib/whatsapp/auth-state.ts caches what these return.
 */

/** What the reads and writes of one account's store share. */
export type AuthRows = {
  accountId: string
  keyring: Keyring
  stmt: AuthStatements
  logger: Logger
  /** logs a row that cannot be read, tells the session (onCorrupt), and returns the error to throw */
  corrupt(what: string, details: Record<string, string>, cause: unknown): AppError
}

/** `keys.get` found no row: cached as such, so a missing key is not looked up again. */
export const ABSENT = Symbol('absent')

export function corruptionReporter(opts: {
  accountId: string
  logger: Logger
  onCorrupt?: (error: AppError) => void
}): AuthRows['corrupt'] {
  return (what, details, cause) => {
    const reason = isDecryptionError(cause) ? cause.reason : 'unparseable'
    const err = new AppError('auth_state_corrupt', `stored WhatsApp ${what} of this account cannot be read (${reason})`, {
      details: { accountId: opts.accountId, ...details, reason },
      cause,
    })
    opts.logger.error({ ...details, reason }, 'auth state row is corrupt')
    opts.onCorrupt?.(err)
    return err
  }
}

/** Decrypts and decodes a pack; a pack that is missing, fails its tag or is not a pack is corrupt state. */
export function openPack(rows: AuthRows, packId: number, details: Record<string, string>): OpenPack {
  try {
    const row = rows.stmt.getPack.get(rows.accountId, packId)
    if (!row) throw new MalformedPackError('the pack a key row points at does not exist')
    return decodePack(rows.keyring.decrypt(row.key_id, row.value, packAad(rows.accountId, packId)))
  } catch (e) {
    throw rows.corrupt('key', { table: 'wa_key_packs', packId: String(packId), ...details }, e)
  }
}

/** The stored creds; an account without a creds row gets a new identity, written at once. */
export function loadCreds(rows: AuthRows): AuthenticationCreds {
  const { accountId, keyring, stmt } = rows
  const row = stmt.getCreds.get(accountId)
  if (!row) {
    const fresh = initAuthCreds()
    const sealed = keyring.encrypt(serializeAuthValue(fresh), credsAad(accountId))
    stmt.putCreds.run(accountId, sealed.keyId, sealed.value, Date.now())
    rows.logger.info({ keyId: sealed.keyId }, 'no stored creds: generated a new identity')
    return fresh
  }
  try {
    const plain = keyring.decrypt(row.key_id, row.value, credsAad(accountId))
    return JSON.parse(plain.toString('utf8'), BufferJSON.reviver) as AuthenticationCreds
  } catch (e) {
    // Never fall back to initAuthCreds here: a fresh identity would silently unlink the account.
    throw rows.corrupt('creds', { table: 'wa_creds' }, e)
  }
}

/**
 * One key value as stored, or ABSENT. `packs`: the packs opened by this get() so far, so reading
 * many values of one pack decrypts it once.
 */
export function readKey(rows: AuthRows, type: string, id: string, packs: Map<number, OpenPack>): unknown {
  const { accountId, keyring } = rows
  const row = rows.stmt.getKey.get(accountId, type, id)
  if (!row) return ABSENT
  const where: Record<string, string> =
    row.pack_id === null ? { table: 'wa_keys', type, id } : { table: 'wa_key_packs', packId: String(row.pack_id), type, id }
  let plain: Buffer
  if (row.pack_id !== null) {
    let pack = packs.get(row.pack_id)
    if (!pack) packs.set(row.pack_id, (pack = openPack(rows, row.pack_id, { type, id })))
    const bytes = pack.get(type, id)
    if (!bytes) throw rows.corrupt('key', where, new MalformedPackError('the pack does not hold the value its row points at'))
    plain = bytes
  } else {
    try {
      // The CHECK constraint guarantees key_id and value when pack_id is null.
      plain = keyring.decrypt(row.key_id ?? '', row.value ?? Buffer.alloc(0), keyAad(accountId, type, id))
    } catch (e) {
      throw rows.corrupt('key', where, e)
    }
  }
  try {
    const value: unknown = JSON.parse(plain.toString('utf8'), BufferJSON.reviver)
    return type === 'app-state-sync-key' && value && typeof value === 'object' ? proto.Message.AppStateSyncKeyData.fromObject(value) : value
  } catch (e) {
    // Thrown rather than treated as missing: a missing session/key would be silently recreated
    // and the peer would see "waiting for this message"; the caller (or onCorrupt) fails the session.
    throw rows.corrupt('key', where, e)
  }
}
