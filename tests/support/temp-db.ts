import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createKeyring } from '@/lib/crypto/aead'
import { closeDb, openDb } from '@/lib/db/client'

/** A migrated SQLite file in a fresh temporary folder, with a keyring; close() removes both. */
export function tempDb() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-test-'))
  const db = openDb(path.join(dir, 'gateway.db'))
  return {
    dir,
    db,
    keyring: createKeyring({ current: crypto.randomBytes(32) }),
    close: () => {
      closeDb(db)
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
