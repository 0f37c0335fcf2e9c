/**
 * npm run backup -- <file> [--media]
 *
 * Writes a consistent backup of a running (or stopped) gateway into one archive file (mode 0600):
 * the database copied with SQLite's online backup, the secret files the gateway generated in
 * DATA_DIR, and with --media the media directory. Reads DATA_DIR like the server does; run it with
 * the gateway's environment (e.g. the systemd EnvironmentFile). See docs/deployment.md.
 */
import fs from 'node:fs'
import path from 'node:path'
import { ConfigError } from '@/lib/env'
import { BackupError, createBackup } from '@/lib/ops/backup'
import { dataPathsFromEnv, isPostgresUrl } from '@/lib/ops/data-paths'

const USAGE = 'usage: npm run backup -- <file> [--media]'
const say = (line: string) => process.stdout.write(`${line}\n`)
function fail(line: string): never {
  process.stderr.write(`backup: ${line}\n`)
  process.exit(1)
}

const args = process.argv.slice(2)
const media = args.includes('--media')
const unknown = args.filter((a) => a.startsWith('-') && a !== '--media')
const files = args.filter((a) => !a.startsWith('-'))
const target = files.length === 1 && !unknown.length ? files[0] : undefined
if (target === undefined) fail(unknown.length ? `unknown option ${unknown[0]}\n${USAGE}` : USAGE)

let paths
try {
  paths = dataPathsFromEnv()
} catch (e) {
  if (e instanceof ConfigError) fail(e.message)
  throw e
}
if (isPostgresUrl(paths.databaseUrl)) {
  fail(
    [
      'DATABASE_URL points at PostgreSQL: back that database up with its own tools —',
      '  pg_dump --format=custom (a logical dump; restore with pg_restore), or',
      '  pg_basebackup with WAL archiving (a physical copy; point-in-time recovery).',
      `This command copies SQLite only. This gateway version keeps its data in ${paths.dbFile} and does not read`,
      'DATABASE_URL yet: unset DATABASE_URL to back that file up (with the secret files beside it).',
    ].join('\n'),
  )
}

const version = (JSON.parse(fs.readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')) as { version: string }).version
try {
  const r = await createBackup({
    paths,
    out: path.resolve(process.env.INIT_CWD ?? process.cwd(), target),
    media,
    gatewayVersion: version,
    env: { AUTH_SECRET: process.env.AUTH_SECRET, ENCRYPTION_KEY: process.env.ENCRYPTION_KEY },
  })
  say(
    `backup written: ${r.file} (${(r.bytes / 1024 ** 2).toFixed(1)} MiB, mode 0600): database ${(r.dbBytes / 1024 ** 2).toFixed(1)} MiB (integrity_check ok), ${r.files} files${media ? `, ${r.mediaFiles} media files` : ' (no media; add --media to include them)'}`,
  )
  if (r.containsEncryptionKey) {
    process.stderr.write(
      [
        '',
        '!!! WARNING: this archive contains the ENCRYPTION KEY (DATA_DIR/encryption-key) next to the data it protects.',
        '!!! Anyone who gets the file can read the WhatsApp sessions and webhook secrets in it and act as your linked',
        '!!! accounts. Keep it as you keep the key: encrypted storage, restricted access (e.g. gpg -c or age before upload).',
        '',
      ].join('\n'),
    )
  }
  for (const v of r.secretsFromEnv) {
    process.stderr.write(
      `note: ${v} comes from the environment and is not in the archive; keep it with the backup${v === 'ENCRYPTION_KEY' ? ' — without it a restored gateway cannot read its WhatsApp sessions' : ''}\n`,
    )
  }
} catch (e) {
  if (e instanceof BackupError) fail(e.message)
  if (e instanceof Error && 'code' in e && typeof e.code === 'string' && e.code.startsWith('SQLITE_'))
    fail(`the database could not be copied: ${e.message}`)
  throw e
}
