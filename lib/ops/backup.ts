import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { PRIVATE_FILE_MODE } from '@/lib/fs/private-files'
import { type DataPaths, AUTH_SECRET_FILE, DB_FILE_NAME, ENCRYPTION_KEY_FILE } from './data-paths'
import { TarWriter } from './tar'
import { SETUP_TOKEN_FILE } from '@/lib/operators/setup'

/**
 * `npm run backup -- <file>`: one archive (ustar, lib/ops/tar.ts) holding a consistent copy of the
 * running gateway's database, the secret files it generated, and with `media` the media directory.
 *
 * The database is copied with SQLite's online backup API (better-sqlite3's db.backup()) from a
 * read-only connection of this process, in a single step: one read transaction sees one committed
 * state, so the copy is that moment's database, while the gateway goes on writing (WAL: a reader never
 * blocks the writer). Copying the file itself could pair a database file with a WAL from another
 * moment and give a corrupt copy. The copy must pass `PRAGMA integrity_check` before it is archived.
 *
 * Layout, every name relative to DATA_DIR so a restore is an extraction:
 *   gateway.db, auth-secret, encryption-key, setup-token (when present), media/… (with --media),
 *   and last backup-manifest.json: the format, when, and the size and SHA-256 of every file.
 */

export const MANIFEST_FILE = 'backup-manifest.json'
export const BACKUP_FORMAT = 'wa-gateway-backup'
export const BACKUP_FORMAT_VERSION = 1

export type ManifestFile = { name: string; size: number; sha256: string }
export type Manifest = {
  format: typeof BACKUP_FORMAT
  version: number
  createdAt: string
  gatewayVersion: string
  containsEncryptionKey: boolean
  media: boolean
  files: ManifestFile[]
}

export type BackupResult = {
  file: string
  bytes: number
  files: number
  dbBytes: number
  mediaFiles: number
  containsEncryptionKey: boolean
  /** a secret the server reads from the environment instead: not in the archive, keep it elsewhere */
  secretsFromEnv: string[]
}

export class BackupError extends Error {}

/** Copies the live database into `target` (a new file) in one online-backup step and checks the copy. */
export async function copyDatabase(dbFile: string, target: string): Promise<void> {
  const src = new Database(dbFile, { readonly: true, fileMustExist: true })
  try {
    src.pragma('busy_timeout = 5000')
    // The first step only starts the backup (0 pages); the next copies every page at once.
    await src.backup(target, { progress: () => 0x7fffffff })
  } finally {
    src.close()
  }
  const copy = new Database(target, { fileMustExist: true })
  try {
    const rows = copy.pragma('integrity_check') as { integrity_check: string }[]
    const problems = rows.map((r) => r.integrity_check).filter((r) => r !== 'ok')
    if (problems.length) throw new BackupError(`the database copy fails integrity_check: ${problems.slice(0, 3).join('; ')}`)
  } finally {
    copy.close()
  }
}

function* walk(dir: string, rel: string): Generator<{ rel: string; abs: string; dir: boolean }> {
  let names: fs.Dirent[]
  try {
    names = fs.readdirSync(dir, { withFileTypes: true })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return
    throw e
  }
  for (const d of names.sort((a, b) => a.name.localeCompare(b.name))) {
    const abs = path.join(dir, d.name)
    const r = `${rel}/${d.name}`
    if (d.isDirectory()) {
      yield { rel: r, abs, dir: true }
      yield* walk(abs, r)
    } else if (d.isFile()) yield { rel: r, abs, dir: false }
  }
}

export async function createBackup(opts: {
  paths: DataPaths
  out: string
  media: boolean
  gatewayVersion: string
  /** which secrets the environment gives (then the server ignores the files) */
  env: { AUTH_SECRET?: string; ENCRYPTION_KEY?: string }
}): Promise<BackupResult> {
  const { paths, media } = opts
  const out = path.resolve(opts.out)
  if (!fs.existsSync(paths.dbFile)) throw new BackupError(`no database at ${paths.dbFile}: is DATA_DIR set as for the gateway?`)
  if (fs.existsSync(out)) throw new BackupError(`${out} exists; choose a new file name (a backup never overwrites one)`)
  const outDir = path.dirname(out)
  if (!fs.existsSync(outDir)) throw new BackupError(`the directory ${outDir} does not exist`)

  // Everything is built beside the target and renamed at the end: a failed or interrupted backup
  // leaves no file that looks like a good one.
  const partial = `${out}.partial-${process.pid}`
  const stagedDb = `${out}.db-${process.pid}`
  const cleanup = () => {
    for (const f of [partial, stagedDb, `${stagedDb}-wal`, `${stagedDb}-shm`, `${stagedDb}-journal`]) fs.rmSync(f, { force: true })
  }
  try {
    // The staged copy holds every secret the database holds: private before any byte is written.
    fs.closeSync(fs.openSync(stagedDb, 'wx', PRIVATE_FILE_MODE))
    await copyDatabase(paths.dbFile, stagedDb)

    const fd = fs.openSync(partial, 'wx', PRIVATE_FILE_MODE)
    const files: ManifestFile[] = []
    let mediaFiles = 0
    try {
      fs.fchmodSync(fd, PRIVATE_FILE_MODE)
      const tar = new TarWriter(fd)
      const add = (name: string, source: string) => {
        const hash = crypto.createHash('sha256')
        const size = tar.addFile(name, source, PRIVATE_FILE_MODE, (chunk) => hash.update(chunk))
        files.push({ name, size, sha256: hash.digest('hex') })
      }
      add(DB_FILE_NAME, stagedDb)
      for (const [name, file] of [
        [AUTH_SECRET_FILE, paths.secretFiles.authSecret],
        [ENCRYPTION_KEY_FILE, paths.secretFiles.encryptionKey],
        [SETUP_TOKEN_FILE, paths.secretFiles.setupToken],
      ] as const) {
        if (fs.existsSync(file)) add(name, file)
      }
      if (media) {
        tar.addDir('media')
        for (const e of walk(paths.mediaDir, 'media')) {
          if (e.dir) tar.addDir(e.rel)
          else {
            try {
              add(e.rel, e.abs)
              mediaFiles++
            } catch (err) {
              // the media sweep removed it between the listing and the copy: nothing to keep
              if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
            }
          }
        }
      }
      const manifest: Manifest = {
        format: BACKUP_FORMAT,
        version: BACKUP_FORMAT_VERSION,
        createdAt: new Date().toISOString(),
        gatewayVersion: opts.gatewayVersion,
        containsEncryptionKey: files.some((f) => f.name === ENCRYPTION_KEY_FILE),
        media,
        files,
      }
      tar.addBytes(MANIFEST_FILE, Buffer.from(JSON.stringify(manifest, null, 2) + '\n'))
      tar.finish()
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(partial, out)
    const secretsFromEnv = (['AUTH_SECRET', 'ENCRYPTION_KEY'] as const).filter((v) => !!opts.env[v]?.trim())
    return {
      file: out,
      bytes: fs.statSync(out).size,
      files: files.length,
      dbBytes: files[0]?.size ?? 0,
      mediaFiles,
      containsEncryptionKey: files.some((f) => f.name === ENCRYPTION_KEY_FILE),
      secretsFromEnv,
    }
  } finally {
    cleanup()
  }
}
