import fs from 'node:fs'
import path from 'node:path'

/**
 * DATA_DIR holds the database and the gateway's secrets. Modes passed to mkdir/open are masked by the
 * process umask (and do nothing for a directory that already exists), so every file and the directory
 * get an explicit chmod: 0700 for the directory, 0600 for files, whatever the umask.
 */
export const PRIVATE_DIR_MODE = 0o700
export const PRIVATE_FILE_MODE = 0o600

export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE })
  if ((fs.statSync(dir).mode & 0o777) !== PRIVATE_DIR_MODE) fs.chmodSync(dir, PRIVATE_DIR_MODE)
}

/** Creates `file` (empty) with mode 0600 when missing, and tightens an existing one to 0600. */
export function ensurePrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', PRIVATE_FILE_MODE))
  if ((fs.statSync(file).mode & 0o777) !== PRIVATE_FILE_MODE) fs.chmodSync(file, PRIVATE_FILE_MODE)
}

/**
 * Writes a new file with mode 0600; fails with EEXIST when it exists (another process won the race).
 * The mode is set on the open descriptor before any byte is written.
 */
export function writeNewPrivateFile(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE })
  const fd = fs.openSync(file, 'wx', PRIVATE_FILE_MODE)
  try {
    fs.fchmodSync(fd, PRIVATE_FILE_MODE)
    fs.writeFileSync(fd, content)
  } finally {
    fs.closeSync(fd)
  }
}
