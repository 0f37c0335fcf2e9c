import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { DB } from '@/lib/db/client'
import { countOperators, insertOperator } from '@/lib/db/operators'
import { createLogger } from '@/lib/logger'
import { createFirstAdmin, prepareSetupToken, SETUP_TOKEN_FILE } from './setup'
import { tempDb } from '../../tests/support/temp-db'

const hashes = vi.hoisted(() => ({ count: 0 }))
vi.mock('@/lib/auth/password', async (original) => {
  const real = await original<typeof import('@/lib/auth/password')>()
  return {
    ...real,
    hashPassword: (p: string) => {
      hashes.count++
      return real.hashPassword(p)
    },
  }
})

let dir: string
let db: DB
let close: () => void
const logger = createLogger({ level: 'silent' })
const input = { name: 'Ada', email: 'ada@x.test', password: 'a-long-password', token: '', local: false }

beforeEach(() => {
  ;({ dir, db, close } = tempDb())
  hashes.count = 0
})
afterEach(() => {
  close()
})

const tokenFile = () => path.join(dir, SETUP_TOKEN_FILE)

describe('first-run setup', () => {
  it('writes a one-time token (0600) at start while setup is open, keeps it across restarts and logs the setup address', () => {
    const log = createLogger({ level: 'silent' })
    const info = vi.spyOn(log, 'info')
    prepareSetupToken({ db, dataDir: dir, logger: log, url: 'http://gw' })
    const token = fs.readFileSync(tokenFile(), 'utf8').trim()
    expect(token).toMatch(/^[\w-]{32}$/)
    expect(fs.statSync(tokenFile()).mode & 0o777).toBe(0o600)
    expect(info).toHaveBeenCalledWith(
      expect.objectContaining({ url: `http://gw/setup?token=${token}` }),
      expect.stringContaining('setup page'),
    )
    prepareSetupToken({ db, dataDir: dir, logger: log, url: 'http://gw' })
    expect(fs.readFileSync(tokenFile(), 'utf8').trim()).toBe(token)
  })

  it('a remote visitor needs the token; nothing is hashed or created without it', async () => {
    prepareSetupToken({ db, dataDir: dir, logger, url: 'http://gw' })
    await expect(createFirstAdmin({ db, dataDir: dir, logger }, input)).rejects.toThrow('setup token is not valid')
    await expect(createFirstAdmin({ db, dataDir: dir, logger }, { ...input, token: 'guess-guess-guess-guess' })).rejects.toThrow(
      'setup token is not valid',
    )
    expect(hashes.count).toBe(0)
    expect(countOperators({ db })).toBe(0)
    const token = fs.readFileSync(tokenFile(), 'utf8').trim()
    const op = await createFirstAdmin({ db, dataDir: dir, logger }, { ...input, token })
    expect(op).toMatchObject({ email: 'ada@x.test', role: 'admin' })
    // The token is spent.
    expect(fs.existsSync(tokenFile())).toBe(false)
  })

  it('a local visitor may skip the token', async () => {
    prepareSetupToken({ db, dataDir: dir, logger, url: 'http://gw' })
    expect((await createFirstAdmin({ db, dataDir: dir, logger }, { ...input, local: true })).role).toBe('admin')
  })

  it('once an operator exists, setup is closed before any hashing, even with the token', async () => {
    prepareSetupToken({ db, dataDir: dir, logger, url: 'http://gw' })
    const token = fs.readFileSync(tokenFile(), 'utf8').trim()
    insertOperator({ db, email: 'first@x.test', name: '', passwordHash: 'h', role: 'admin' })
    await expect(createFirstAdmin({ db, dataDir: dir, logger }, { ...input, token, local: true })).rejects.toMatchObject({
      code: 'setup_closed',
    })
    expect(hashes.count).toBe(0)
    prepareSetupToken({ db, dataDir: dir, logger, url: 'http://gw' })
    expect(fs.existsSync(tokenFile())).toBe(false)
  })
})
