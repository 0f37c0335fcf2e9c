import fs from 'node:fs'
import type { AuthenticationCreds } from '@whiskeysockets/baileys'
import type { Keyring } from '@/lib/crypto/aead'
import { insertAccount, recordStatus } from '@/lib/db/accounts'
import type { DB } from '@/lib/db/client'
import type { Logger } from '@/lib/logger'
import { useSqliteAuthState } from '@/lib/whatsapp/auth-state'
import type { SimProcess } from './sim-process'
import { recordAccountNews } from '@/lib/sessions/accounts'

/**
 * One linked account as a previous run of the gateway would have left it: a user on the simulator
 * with a companion device, its creds written through the encrypted store, status `connected`.
 */
export async function seedLinkedAccount(opts: {
  sim: SimProcess
  db: DB
  keyring: Keyring
  logger: Logger
  id: string
  phone: string
  name: string
}): Promise<void> {
  const { sim, db, keyring, logger, id, phone, name } = opts
  await sim.call('POST', '/users', { phone, name })
  const { creds } = await sim.call<{ creds: AuthenticationCreds }>('POST', `/users/${phone}/devices`, {})
  insertAccount({ db, id, name: id, onNews: recordAccountNews })
  const auth = useSqliteAuthState({ db, accountId: id, keyring, logger })
  Object.assign(auth.state.creds, creds)
  await auth.saveCreds()
  recordStatus({ db, id, status: 'connected', reason: null, onNews: recordAccountNews })
}

/** CPU seconds a process has used so far (Linux /proc). */
export function procCpuSeconds(pid: number | undefined): number {
  if (!pid) return 0
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) / 100
}
