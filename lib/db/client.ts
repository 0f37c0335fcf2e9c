import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { ensurePrivateFile } from '@/lib/fs/private-files'
import * as schema from './schema'

export type DB = BetterSQLite3Database<typeof schema> & { $client: Database.Database }

export const MIGRATIONS_DIR = path.resolve(process.cwd(), 'drizzle')

/**
 * Opens the SQLite database with the pragmas the gateway relies on: WAL (readers never block the
 * writer), foreign keys (cascading deletes of an account's data), a busy timeout (a second
 * connection, e.g. a CLI command, waits instead of failing) and NORMAL sync (safe with WAL).
 */
export function openDb(file: string, opts: { migrate?: boolean; migrationsDir?: string } = {}): DB {
  if (file !== ':memory:') {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
    // SQLite creates the file with 0644 minus the umask, and its -wal and -shm files with the mode of
    // the database file: created 0600 here first, all three stay private.
    ensurePrivateFile(file)
  }
  const sqlite = new Database(file)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('synchronous = NORMAL')
  const db: DB = drizzle({ client: sqlite, schema })
  if (opts.migrate !== false) migrate(db, { migrationsFolder: opts.migrationsDir ?? MIGRATIONS_DIR })
  return db
}

/**
 * What `make` builds for a connection (its prepared statements), built on first use and kept as long
 * as the connection: drizzle otherwise rebuilds and re-prepares the SQL on every call.
 */
export function perDb<T>(make: (db: DB) => T): (db: DB) => T {
  const made = new WeakMap<DB, T>()
  return (db) => {
    let value = made.get(db)
    if (value === undefined) made.set(db, (value = make(db)))
    return value
  }
}

export function closeDb(db: DB): void {
  if (db.$client.open) db.$client.close()
}

/** true while the database answers a trivial query */
export function pingDb(db: DB): boolean {
  try {
    return db.$client.prepare('select 1 as ok').get() !== undefined
  } catch {
    return false
  }
}

export { schema }

/** The SQLite library better-sqlite3 was built with (logged at start). */
export function sqliteVersion(db: DB): string {
  return (db.$client.prepare('select sqlite_version() as v').get() as { v: string }).v
}
