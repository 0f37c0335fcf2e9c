import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { z } from 'zod'
import { ensurePrivateDir } from '@/lib/fs/private-files'
import { BACKUP_FORMAT, type Manifest, MANIFEST_FILE } from './backup'
import { DB_FILE_NAME, ENCRYPTION_KEY_FILE } from './data-paths'
import { extractTar, TarFormatError } from './tar'

/**
 * `npm run restore -- <file>`: unpacks a backup (lib/ops/backup.ts) into an empty or missing data
 * directory. It is unpacked into a private staging directory first and checked there — the manifest,
 * every file's size and SHA-256, the database's integrity_check — and only then moved into place, so
 * a damaged archive leaves the target as it was (empty or missing). A non-empty target is refused: a
 * restore never mixes with or replaces a live installation.
 */

const manifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  version: z.number().int().min(1),
  createdAt: z.string(),
  gatewayVersion: z.string(),
  containsEncryptionKey: z.boolean(),
  media: z.boolean(),
  files: z.array(z.object({ name: z.string().min(1), size: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
}) satisfies z.ZodType<Manifest>

export class RestoreError extends Error {}

export type RestoreResult = { dataDir: string; files: number; createdAt: string; containsEncryptionKey: boolean; media: boolean }

/** Why `dir` cannot be restored into, or null when it is missing or empty. */
export function notEmptyReason(dir: string): string | null {
  if (!fs.existsSync(dir)) return null
  if (!fs.statSync(dir).isDirectory()) return `${dir} is a file, not a directory`
  const names = fs.readdirSync(dir).sort()
  if (names.length === 0) return null
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ', …' : '')
  return `${dir} is not empty (${shown}): restore only into an empty or new directory — stop the gateway, move the old data directory aside (e.g. mv ${dir} ${dir}.old) and run the restore again`
}

function readManifest(staging: string): z.infer<typeof manifestSchema> {
  const file = path.join(staging, MANIFEST_FILE)
  if (!fs.existsSync(file)) throw new RestoreError('the archive has no backup-manifest.json: not a complete wa-gateway backup')
  let json: unknown
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch {
    throw new RestoreError('backup-manifest.json is not valid JSON')
  }
  const parsed = manifestSchema.safeParse(json)
  if (!parsed.success) throw new RestoreError('not a wa-gateway backup (unknown manifest format)')
  const m = parsed.data
  if (m.version > 1)
    throw new RestoreError(`backup format version ${m.version} is newer than this gateway reads (1): upgrade the gateway first`)
  return m
}

export function restoreBackup(opts: { archive: string; dataDir: string }): RestoreResult {
  const archive = path.resolve(opts.archive)
  const target = path.resolve(opts.dataDir)
  if (!fs.existsSync(archive)) throw new RestoreError(`no such file: ${archive}`)
  const reason = notEmptyReason(target)
  if (reason) throw new RestoreError(reason)

  // An existing (empty) target is staged inside itself: the service user may own the data directory
  // but not its parent (/var/lib). A missing one is staged beside it and renamed into place.
  const inside = fs.existsSync(target)
  if (!inside) fs.mkdirSync(path.dirname(target), { recursive: true })
  const staging = fs.mkdtempSync(
    inside ? path.join(target, '.restoring-') : path.join(path.dirname(target), `.${path.basename(target)}.restoring-`),
  )
  try {
    ensurePrivateDir(staging)
    const hashes = new Map<string, crypto.Hash>()
    let entries
    try {
      entries = extractTar(archive, staging, (name, chunk) => {
        let h = hashes.get(name)
        if (!h) hashes.set(name, (h = crypto.createHash('sha256')))
        h.update(chunk)
      })
    } catch (e) {
      if (e instanceof TarFormatError) throw new RestoreError(`${archive}: ${e.message}`)
      throw e
    }
    const manifest = readManifest(staging)
    const listed = new Set(manifest.files.map((f) => f.name))
    for (const f of manifest.files) {
      const file = path.join(staging, f.name)
      if (!fs.existsSync(file)) throw new RestoreError(`${f.name} is missing from the archive`)
      const size = fs.statSync(file).size
      const sha = (hashes.get(f.name) ?? crypto.createHash('sha256')).digest('hex')
      if (size !== f.size || sha !== f.sha256)
        throw new RestoreError(`${f.name} does not match its checksum in the manifest: the archive is damaged`)
    }
    const extra = entries.filter((e) => e.type === 'file' && e.name !== MANIFEST_FILE && !listed.has(e.name))
    if (extra.length) throw new RestoreError(`files not in the manifest: ${extra.map((e) => e.name).join(', ')}`)
    if (!listed.has(DB_FILE_NAME)) throw new RestoreError('the archive holds no gateway.db')

    const db = new Database(path.join(staging, DB_FILE_NAME), { fileMustExist: true })
    try {
      const rows = db.pragma('integrity_check') as { integrity_check: string }[]
      if (rows.some((r) => r.integrity_check !== 'ok'))
        throw new RestoreError(`the database in the archive fails integrity_check: ${rows[0]?.integrity_check}`)
    } finally {
      db.close()
    }
    fs.rmSync(path.join(staging, MANIFEST_FILE))

    // Moved into place only now, when everything checked out.
    if (inside) {
      for (const name of fs.readdirSync(staging)) fs.renameSync(path.join(staging, name), path.join(target, name))
      fs.rmdirSync(staging)
    } else {
      fs.renameSync(staging, target)
    }
    ensurePrivateDir(target)
    return {
      dataDir: target,
      files: manifest.files.length,
      createdAt: manifest.createdAt,
      containsEncryptionKey: listed.has(ENCRYPTION_KEY_FILE),
      media: manifest.media,
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true })
  }
}
