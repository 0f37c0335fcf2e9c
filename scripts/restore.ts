/**
 * npm run restore -- <file> [--data-dir <dir>]
 *
 * Restores a backup written by `npm run backup` into DATA_DIR (or --data-dir), which must be empty or
 * missing: a restore never overwrites an installation. The archive is checked (checksums, the
 * database's integrity_check) before anything appears in the target. Start the gateway afterwards
 * with the same ENCRYPTION_KEY / AUTH_SECRET when those come from the environment. See docs/deployment.md.
 */
import path from 'node:path'
import { ConfigError } from '@/lib/env'
import { dataPathsFor, dataPathsFromEnv, isPostgresUrl } from '@/lib/ops/data-paths'
import { RestoreError, restoreBackup } from '@/lib/ops/restore'

const USAGE = 'usage: npm run restore -- <file> [--data-dir <dir>]'
function fail(line: string): never {
  process.stderr.write(`restore: ${line}\n`)
  process.exit(1)
}

const args = process.argv.slice(2)
let dataDirArg: string | undefined
const files: string[] = []
for (let i = 0; i < args.length; i++) {
  const a = args[i] ?? ''
  if (a === '--data-dir') dataDirArg = args[++i] ?? fail(USAGE)
  else if (a.startsWith('-')) fail(`unknown option ${a}\n${USAGE}`)
  else files.push(a)
}
const archive = files.length === 1 ? files[0] : undefined
if (archive === undefined) fail(USAGE)

let paths
try {
  paths = dataDirArg
    ? dataPathsFor(path.resolve(process.env.INIT_CWD ?? process.cwd(), dataDirArg), process.env.DATABASE_URL)
    : dataPathsFromEnv()
} catch (e) {
  if (e instanceof ConfigError) fail(e.message)
  throw e
}
if (isPostgresUrl(paths.databaseUrl)) {
  fail(
    'DATABASE_URL points at PostgreSQL: restore that database with its own tools (pg_restore for a pg_dump archive, or a pg_basebackup copy); this command restores the SQLite backups `npm run backup` writes (unset DATABASE_URL for those)',
  )
}

try {
  const r = restoreBackup({ archive: path.resolve(process.env.INIT_CWD ?? process.cwd(), archive), dataDir: paths.dataDir })
  process.stdout.write(
    `restored ${r.files} files from the backup of ${r.createdAt} into ${r.dataDir} (checksums and integrity_check ok${r.media ? ', with media' : ', without media'})\n`,
  )
  if (!r.containsEncryptionKey) {
    process.stdout.write(
      'the backup holds no encryption-key file: start the gateway with the ENCRYPTION_KEY it ran with, or linked accounts need a new QR\n',
    )
  }
} catch (e) {
  if (e instanceof RestoreError) fail(e.message)
  throw e
}
