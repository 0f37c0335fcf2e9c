/**
 * Re-encrypts what the gateway stores sealed (WhatsApp auth state: wa_creds, wa_keys, wa_key_packs;
 * webhook endpoints' signing secrets and custom headers) with a new encryption key.
 *
 *   ENCRYPTION_KEY=<new> ENCRYPTION_KEY_PREVIOUS=<old>[,<older>…] node --import tsx scripts/rotate-key.ts
 *
 * Environment:
 *   DATA_DIR                 data directory (default ./data); the database is DATA_DIR/gateway.db
 *   ENCRYPTION_KEY           the new key: 32 random bytes as base64 (hex also accepted). Required.
 *   ENCRYPTION_KEY_PREVIOUS  comma-separated old keys (same format) that rows may still be under.
 *                            The key the gateway generated on first start (DATA_DIR/encryption-key),
 *                            if that file exists, is always tried as well.
 *   LOG_LEVEL                default info
 *
 * Stop the gateway first, run this, then start the gateway with the new ENCRYPTION_KEY: a gateway
 * still running with the old key would keep writing rows under the old key. The run is idempotent:
 * rows already under the new key are skipped, so after an interruption simply run it again. Exits
 * non-zero if any row could not be re-encrypted (e.g. a key is missing from ENCRYPTION_KEY_PREVIOUS).
 */
import fs from 'node:fs'
import path from 'node:path'
import { createKeyring, decodeKeyText } from '@/lib/crypto/aead'
import { closeDb, openDb } from '@/lib/db/client'
import { isAppError } from '@/lib/errors'
import { createLogger } from '@/lib/logger'
import { countRowsNotUnder, rotateAuthStateKeys } from '@/lib/whatsapp/rotate-key'

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info', name: 'rotate-key' })

function fail(message: string): never {
  logger.error({}, message)
  process.stderr.write(`rotate-key: ${message}\n`)
  process.exit(1)
}

function parseKey(text: string, name: string): Buffer {
  try {
    return decodeKeyText(text)
  } catch {
    return fail(`${name} must be 32 bytes given as base64 or hex (generate one with: openssl rand -base64 32)`)
  }
}

const dataDir = path.resolve(process.env.DATA_DIR?.trim() ? process.env.DATA_DIR.trim() : './data')
const dbFile = path.join(dataDir, 'gateway.db')
const newKeyText = process.env.ENCRYPTION_KEY?.trim()
if (!newKeyText) fail('ENCRYPTION_KEY (the new key) is required')
const current = parseKey(newKeyText, 'ENCRYPTION_KEY')

const previous = (process.env.ENCRYPTION_KEY_PREVIOUS ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s !== '')
  .map((s, i) => parseKey(s, `ENCRYPTION_KEY_PREVIOUS #${i + 1}`))
const generatedKeyFile = path.join(dataDir, 'encryption-key')
if (fs.existsSync(generatedKeyFile)) previous.push(parseKey(fs.readFileSync(generatedKeyFile, 'utf8'), generatedKeyFile))

if (!fs.existsSync(dbFile)) fail(`no database at ${dbFile} (set DATA_DIR)`)

const keyring = createKeyring({ current, previous })
const db = openDb(dbFile, { migrate: false })
try {
  const result = rotateAuthStateKeys({ db, keyring, logger })
  const left = countRowsNotUnder(db, result.keyId)
  process.stdout.write(
    `rotated ${result.credsRotated} creds, ${result.keysRotated} key rows ${result.packsRotated} key packs and ${result.webhookSecretsRotated} webhook endpoints' secrets to key id ${result.keyId}; ${left} rows left under other keys\n`,
  )
  if (left > 0) process.exitCode = 1
} catch (e) {
  if (isAppError(e)) {
    logger.error({ err: e, details: e.details }, 'rotation stopped')
    const unknownKey = (e.details as { reason?: string } | undefined)?.reason === 'unknown_key'
    process.stderr.write(
      `rotate-key: ${e.message}${unknownKey ? ' — add the key those rows were written with to ENCRYPTION_KEY_PREVIOUS' : ''}\n`,
    )
    process.exitCode = 1
  } else {
    throw e
  }
} finally {
  closeDb(db)
}
