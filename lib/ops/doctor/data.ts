import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { createKeyring, decodeKeyText, isDecryptionError, keyIdOf } from '@/lib/crypto/aead'
import { MIGRATIONS_DIR } from '@/lib/db/client'
import { PRIVATE_DIR_MODE } from '@/lib/fs/private-files'
import type { DataPaths } from '../data-paths'
import { type CheckResult, fail, ok, skip, warn } from './types'

/** Checks of DATA_DIR and the database in it. None of them writes anything. */

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0')

export function checkDataDir(paths: DataPaths): CheckResult {
  const dir = paths.dataDir
  if (!fs.existsSync(dir))
    return fail('data-dir', `${dir} does not exist`, 'set DATA_DIR to the gateway data directory (a first start creates it)')
  const st = fs.statSync(dir)
  if (!st.isDirectory()) return fail('data-dir', `${dir} is not a directory`, 'set DATA_DIR to a directory')
  if ((st.mode & 0o777) !== PRIVATE_DIR_MODE)
    return fail('data-dir', `${dir} has mode ${octal(st.mode)}, not 0700: other users may read the database and keys`, `chmod 700 ${dir}`)
  const uid = process.getuid?.()
  if (uid !== undefined && st.uid !== uid)
    return warn(
      'data-dir',
      `${dir} belongs to uid ${st.uid}, this check runs as uid ${uid}`,
      'run it as the service user (sudo -u <user> npm run doctor)',
    )
  const files = [paths.dbFile, `${paths.dbFile}-wal`, `${paths.dbFile}-shm`, ...Object.values(paths.secretFiles)]
  const open = files.filter((f) => fs.existsSync(f) && (fs.statSync(f).mode & 0o077) !== 0)
  if (open.length)
    return fail(
      'data-dir',
      `readable by others: ${open.map((f) => `${path.basename(f)} (${octal(fs.statSync(f).mode)})`).join(', ')}`,
      `chmod 600 ${open.join(' ')}`,
    )
  return ok('data-dir', `${dir} is 0700 and its files 0600`)
}

/** Opens the database read-only (fileMustExist); null with the reason when it cannot. */
function openReadOnly(file: string): { db: Database.Database } | { error: string } {
  if (!fs.existsSync(file)) return { error: `no database at ${file}` }
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true })
    db.pragma('busy_timeout = 5000')
    return { db }
  } catch (e) {
    return { error: `${file} does not open: ${(e as Error).message}` }
  }
}

export function withDatabase<T>(paths: DataPaths, use: (db: Database.Database) => T): T | { error: string } {
  const opened = openReadOnly(paths.dbFile)
  if ('error' in opened) return opened
  try {
    return use(opened.db)
  } finally {
    opened.db.close()
  }
}

export function checkDatabase(paths: DataPaths): CheckResult {
  const restore = 'restore the last good backup into an empty directory (npm run restore -- <file>, docs/deployment.md)'
  try {
    const r = withDatabase(paths, (db) => db.pragma('integrity_check') as { integrity_check: string }[])
    if ('error' in r) {
      return fail(
        'database',
        r.error,
        fs.existsSync(paths.dbFile)
          ? restore
          : 'a first start creates it; if the gateway ran before, DATA_DIR points elsewhere or the file is lost: ' + restore,
      )
    }
    const problems = r.map((x) => x.integrity_check).filter((x) => x !== 'ok')
    if (problems.length) return fail('database', `integrity_check: ${problems.slice(0, 2).join('; ')}`, restore)
    return ok('database', `${paths.dbFile} opens and passes integrity_check`)
  } catch (e) {
    return fail('database', `integrity_check could not run: ${(e as Error).message}`, restore)
  }
}

/** The migrations the code has (drizzle's journal) against those the database recorded. */
export function checkMigrations(paths: DataPaths, migrationsDir = MIGRATIONS_DIR): CheckResult {
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsDir, 'meta', '_journal.json'), 'utf8')) as {
    entries: { when: number; tag: string }[]
  }
  let r: { last: number | null } | { error: string }
  try {
    r = withDatabase(paths, (db) => {
      const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get()
      if (!has) return { last: null }
      const row = db.prepare('SELECT max(created_at) AS last FROM __drizzle_migrations').get() as { last: number | null }
      return { last: row.last }
    })
  } catch (e) {
    r = { error: (e as Error).message }
  }
  if ('error' in r) return skip('migrations', 'no database to check')
  const last = r.last
  const known = journal.entries.map((e) => e.when)
  if (last === null) return fail('migrations', 'the database has no migration table: not a gateway database', 'check DATA_DIR')
  if (last > Math.max(...known))
    return fail(
      'migrations',
      'the database was migrated by a newer gateway version than this code',
      'run that version again, or restore the backup taken before the upgrade',
    )
  const pending = journal.entries.filter((e) => e.when > last)
  if (pending.length)
    return warn(
      'migrations',
      `${pending.length} not applied yet (${pending.map((e) => e.tag).join(', ')})`,
      'the next start applies them: take a backup first (npm run backup)',
    )
  return ok('migrations', `all ${known.length} applied`)
}

type KeySource = { key: Buffer; from: string } | { error: string } | null

function loadKey(paths: DataPaths, source: Record<string, string | undefined>): KeySource {
  const file = paths.secretFiles.encryptionKey
  let text = source.ENCRYPTION_KEY?.trim() ?? ''
  const fromEnv = text !== ''
  if (!fromEnv && fs.existsSync(file)) text = fs.readFileSync(file, 'utf8').trim()
  const from = fromEnv ? 'ENCRYPTION_KEY' : file
  if (!text) return null
  try {
    return { key: decodeKeyText(text), from }
  } catch {
    return { error: `${from} is not 32 bytes as base64 or hex` }
  }
}

/**
 * Decrypts every account's sealed credentials (one wa_creds row per linked account) with the key the
 * server would use. A lost or changed key is the worst disaster this gateway has: the next start
 * would generate a new key (or refuse the rows) and every account would need a new QR.
 */
export async function checkEncryptionKey(paths: DataPaths, source: Record<string, string | undefined>): Promise<CheckResult> {
  type Row = { account_id: string; key_id: string; value: Buffer }
  let rows: Row[]
  try {
    const r = withDatabase(paths, (db) => {
      const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'wa_creds'").get()
      return has ? (db.prepare('SELECT account_id, key_id, value FROM wa_creds').all() as Row[]) : []
    })
    if ('error' in r) return skip('key', 'no database to check the key against')
    rows = r
  } catch (e) {
    return skip('key', `the sealed rows could not be read: ${(e as Error).message}`)
  }
  const loaded = loadKey(paths, source)
  const restoreKey = `put the key back: the encryption-key file from your backup into ${paths.dataDir}, or ENCRYPTION_KEY as it was`
  if (loaded && 'error' in loaded) return fail('key', loaded.error, restoreKey)
  if (!loaded) {
    if (rows.length === 0) return ok('key', 'no key yet and nothing sealed: the first start generates one')
    return fail(
      'key',
      `no encryption key (ENCRYPTION_KEY unset, no ${paths.secretFiles.encryptionKey}) but ${linked(rows.length)} ${rows.length === 1 ? 'is' : 'are'} sealed: starting now would generate a new key and every account would need a new QR`,
      restoreKey,
    )
  }
  if (rows.length === 0) return ok('key', `key ${keyIdOf(loaded.key)} from ${loaded.from}; nothing sealed yet (no linked account)`)
  const previous: Buffer[] = []
  for (const t of (source.ENCRYPTION_KEY_PREVIOUS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    try {
      previous.push(decodeKeyText(t))
    } catch {
      return fail('key', 'an ENCRYPTION_KEY_PREVIOUS entry is not 32 bytes as base64 or hex', 'fix ENCRYPTION_KEY_PREVIOUS')
    }
  }
  const keyring = createKeyring({ current: loaded.key, previous })
  // Loaded only now: the module brings Baileys with it, seconds of start-up for the other checks.
  const { credsAad } = await import('@/lib/whatsapp/auth-state')
  const failures: { account: string; reason: string; keyId: string }[] = []
  for (const row of rows) {
    try {
      keyring.decrypt(row.key_id, row.value, credsAad(row.account_id))
    } catch (e) {
      if (!isDecryptionError(e)) throw e
      failures.push({ account: row.account_id, reason: e.reason, keyId: row.key_id })
    }
  }
  if (failures.length === 0)
    return ok('key', `key ${keyring.currentKeyId} from ${loaded.from} decrypts ${rows.length === 1 ? 'the' : 'all'} ${linked(rows.length)}`)
  const ids = [...new Set(failures.map((f) => f.keyId))].join(', ')
  const unknown = failures.every((f) => f.reason === 'unknown_key')
  return fail(
    'key',
    `${failures.length} of ${linked(rows.length)} (${failures
      .slice(0, 3)
      .map((f) => f.account)
      .join(
        ', ',
      )}) ${failures.length === 1 ? 'is' : 'are'} sealed under key ${ids}, which ${unknown ? `is not the key from ${loaded.from} (${keyring.currentKeyId}): the key was changed or lost` : 'fails to decrypt them: wrong key or tampered rows'}`,
    unknown
      ? `set ENCRYPTION_KEY back to the key ${ids} (or add it to ENCRYPTION_KEY_PREVIOUS and run scripts/rotate-key.ts); do not start the gateway before`
      : restoreKey,
  )
}

/** Free space where the media cache and the database grow. */
export function diskVerdict(freeBytes: number, cacheMaxBytes: number, where: string): CheckResult {
  const mib = (n: number) => `${Math.floor(n / 1024 ** 2)} MiB`
  if (freeBytes < MIN_FREE_BYTES)
    return fail(
      'disk',
      `${mib(freeBytes)} free on ${where}: the database may fail to commit`,
      'free space or move DATA_DIR to a larger disk',
    )
  if (freeBytes < cacheMaxBytes)
    return warn(
      'disk',
      `${mib(freeBytes)} free on ${where}, less than the media cache may use (MEDIA_CACHE_MAX_BYTES ${mib(cacheMaxBytes)})`,
      'free space, or lower MEDIA_CACHE_MAX_BYTES',
    )
  return ok('disk', `${mib(freeBytes)} free on ${where}`)
}
export const MIN_FREE_BYTES = 256 * 1024 ** 2

export function checkDisk(paths: DataPaths, cacheMaxBytes: number): CheckResult {
  let dir = paths.dataDir
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir)
  const st = fs.statfsSync(dir)
  return diskVerdict(st.bavail * st.bsize, cacheMaxBytes, dir)
}

/** "1 linked account", "3 linked accounts" */
function linked(n: number): string {
  return `${n} linked account${n === 1 ? '' : 's'}`
}
