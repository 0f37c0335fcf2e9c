import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { hashPassword } from '@/lib/auth/password'
import { writeAudit } from '@/lib/db/audit'
import type { DB } from '@/lib/db/client'
import { countOperators, insertFirstAdmin, type OperatorView, toOperatorView } from '@/lib/db/operators'
import { AppError } from '@/lib/errors'
import { writeNewPrivateFile } from '@/lib/fs/private-files'
import type { Logger } from '@/lib/logger'

/**
 * First-run setup creates the first admin while no operator exists. Whoever reaches the page first
 * would get the gateway, so a visitor must show a one-time token that only someone who can read the
 * server's log or DATA_DIR has; a visitor on the machine itself (loopback, no proxy between) may skip
 * it. The token file is removed once an operator exists.
 */
export const SETUP_TOKEN_FILE = 'setup-token'

export function isSetupOpen({ db }: { db: DB }): boolean {
  return countOperators({ db }) === 0
}

const tokenPath = (dataDir: string) => path.join(dataDir, SETUP_TOKEN_FILE)

/**
 * At start: while setup is open, makes sure a token exists (0600 in DATA_DIR, reused across restarts)
 * and logs the setup address with it; once an operator exists, removes the file.
 */
export function prepareSetupToken({ db, dataDir, logger, url }: { db: DB; dataDir: string; logger: Logger; url: string }): void {
  const file = tokenPath(dataDir)
  if (!isSetupOpen({ db })) {
    fs.rmSync(file, { force: true })
    return
  }
  let token = readSetupToken(dataDir)
  if (!token) {
    token = crypto.randomBytes(24).toString('base64url')
    fs.rmSync(file, { force: true })
    writeNewPrivateFile(file, `${token}\n`)
  }
  // A one-time token, useless once the first admin exists; printing it is how the operator gets it.
  logger.info({ url: `${url}/setup?token=${token}`, file }, 'no operator yet: open the setup page to create the first admin')
}

function readSetupToken(dataDir: string): string | null {
  try {
    const token = fs.readFileSync(tokenPath(dataDir), 'utf8').trim()
    return token.length >= 16 ? token : null
  } catch {
    return null
  }
}

export function setupTokenMatches(dataDir: string, given: string): boolean {
  const expected = readSetupToken(dataDir)
  if (!expected || !given) return false
  const a = crypto.createHash('sha256').update(expected).digest()
  const b = crypto.createHash('sha256').update(given.trim()).digest()
  return crypto.timingSafeEqual(a, b)
}

/**
 * Creates the first admin. Setup must still be open and the token valid (unless the visitor is
 * local) before anything is hashed; the insert re-checks inside its transaction.
 */
export async function createFirstAdmin(
  { db, dataDir, logger }: { db: DB; dataDir: string; logger: Logger },
  input: { name: string; email: string; password: string; token: string; local: boolean },
): Promise<OperatorView> {
  if (!isSetupOpen({ db })) throw new AppError('setup_closed', 'Setup is closed: an operator already exists. Sign in instead.')
  if (!input.local && !setupTokenMatches(dataDir, input.token))
    throw new AppError('forbidden', 'The setup token is not valid. Copy it from the server log or from the setup-token file in DATA_DIR.')
  const op = insertFirstAdmin({ db, email: input.email, name: input.name, passwordHash: await hashPassword(input.password) })
  if (!op) throw new AppError('setup_closed', 'Setup is closed: an operator already exists. Sign in instead.')
  fs.rmSync(tokenPath(dataDir), { force: true })
  writeAudit({ db, actor: op.email, action: 'operator.setup', target: op.email, details: { local: input.local } })
  logger.info({ operatorId: op.id }, 'first admin created through the setup page')
  return toOperatorView(op)
}
