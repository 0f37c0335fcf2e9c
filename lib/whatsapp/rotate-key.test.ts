import crypto from 'node:crypto'
import { Curve } from '@whiskeysockets/baileys'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createKeyring, keyIdOf } from '@/lib/crypto/aead'
import type { DB } from '@/lib/db/client'
import { AppError } from '@/lib/errors'
import { createLogger } from '@/lib/logger'
import { PACK_MAX, useSqliteAuthState } from '@/lib/whatsapp/auth-state'
import { openSecrets } from '@/lib/webhooks/secrets'
import { WebhookService } from '@/lib/webhooks/service'
import { countRowsNotUnder, rotateAuthStateKeys } from '@/lib/whatsapp/rotate-key'
import { tempDb } from '../../tests/support/temp-db'

const logger = createLogger({ level: 'silent' })
const oldKey = crypto.randomBytes(32)
const newKey = crypto.randomBytes(32)
const session = (n: number) => ({ _sessions: { s: { counter: n } }, version: 'v1' }) as unknown as Uint8Array

let db: DB
let close: () => void

beforeEach(() => {
  ;({ db, close } = tempDb())
  for (const id of ['acc-1', 'acc-2']) db.$client.prepare('INSERT INTO accounts (id, name) VALUES (?, ?)').run(id, id)
})
afterEach(() => {
  close()
})

async function seed(accountId: string, keyring = createKeyring({ current: oldKey })) {
  const auth = useSqliteAuthState({ db, accountId, keyring, logger })
  const sessions: Record<string, Uint8Array> = {}
  for (let i = 0; i < 30; i++) sessions[`${i}.0`] = session(i)
  await auth.state.keys.set({ session: sessions, 'pre-key': { '1': Curve.generateKeyPair() } })
  // A first-login-sized batch is sealed in packs (auth-state.ts), which rotate too.
  const batch: Record<string, ReturnType<typeof Curve.generateKeyPair>> = {}
  for (let i = 100; i < 100 + PACK_MAX + 10; i++) batch[String(i)] = Curve.generateKeyPair()
  await auth.state.keys.set({ 'pre-key': batch })
  return { creds: auth.state.creds, batch }
}

function webhookUnder(key: Buffer): string {
  const service = new WebhookService({
    db,
    keyring: createKeyring({ current: key }),
    config: {
      policy: { allowedCidrs: [], allowHttp: false, forbiddenCode: 'webhook_url_forbidden' },
      timeoutMs: 1000,
      retry: { scheduleMs: [0], jitter: 0, disableAfterMs: 1000, maxRetryAfterMs: 1000 },
      concurrency: 1,
      leaseMs: 1000,
      rotationOverlapMs: 1000,
    },
    onDeliveries: () => undefined,
  })
  const { webhook, secret } = service.create(null, { url: 'https://hooks.example.com/in', headers: { 'x-token': 'abc' } })
  return `${webhook.id} ${secret}`
}

describe('rotateAuthStateKeys', () => {
  it('re-encrypts every row under the new key, readable with the new key alone', async () => {
    const { creds: creds1, batch } = await seed('acc-1')
    const { creds: creds2 } = await seed('acc-2')
    const [endpointId = '', signingSecret] = webhookUnder(oldKey).split(' ')
    const sealed = `SELECT value FROM wa_keys WHERE value IS NOT NULL UNION ALL SELECT value FROM wa_key_packs`
    const before = db.$client.prepare(sealed).all() as { value: Buffer }[]

    const result = rotateAuthStateKeys({ db, keyring: createKeyring({ current: newKey, previous: [oldKey] }), logger, batchSize: 7 })

    expect(result).toEqual({ keyId: keyIdOf(newKey), credsRotated: 2, keysRotated: 62, packsRotated: 4, webhookSecretsRotated: 1 })
    expect(countRowsNotUnder(db, keyIdOf(newKey))).toBe(0)
    const after = db.$client.prepare(sealed).all() as { value: Buffer }[]
    expect(after).toHaveLength(before.length)
    const old = new Set(before.map((r) => r.value.toString('hex')))
    expect(after.some((row) => old.has(row.value.toString('hex')))).toBe(false)

    const onlyNew = createKeyring({ current: newKey })
    const reopened = useSqliteAuthState({ db, accountId: 'acc-1', keyring: onlyNew, logger })
    expect(reopened.state.creds.noiseKey.private).toEqual(creds1.noiseKey.private)
    const got = await reopened.state.keys.get('session', ['0.0', '29.0'])
    expect(got).toEqual({ '0.0': session(0), '29.0': session(29) })
    const packed = await reopened.state.keys.get('pre-key', ['100', String(100 + PACK_MAX + 9)])
    expect(packed['100']?.private).toEqual(batch['100']?.private)
    expect(packed[String(100 + PACK_MAX + 9)]?.private).toEqual(batch[String(100 + PACK_MAX + 9)]?.private)
    expect(useSqliteAuthState({ db, accountId: 'acc-2', keyring: onlyNew, logger }).state.creds.advSecretKey).toBe(creds2.advSecretKey)

    expect(() => useSqliteAuthState({ db, accountId: 'acc-1', keyring: createKeyring({ current: oldKey }), logger })).toThrow(AppError)

    // the webhook endpoint's signing secret and custom headers, sealed with the keyring too
    const endpoint = db.$client
      .prepare('SELECT id, secrets_key_id AS secretsKeyId, secrets FROM webhook_endpoints WHERE id = ?')
      .get(endpointId) as { id: string; secretsKeyId: string; secrets: Buffer }
    expect(endpoint.secretsKeyId).toBe(keyIdOf(newKey))
    expect(openSecrets(onlyNew, endpoint)).toMatchObject({ secret: signingSecret, headers: { 'x-token': 'abc' } })
  })

  it('is idempotent: a second run has nothing to do', async () => {
    await seed('acc-1')
    const keyring = createKeyring({ current: newKey, previous: [oldKey] })
    rotateAuthStateKeys({ db, keyring, logger })
    expect(rotateAuthStateKeys({ db, keyring, logger })).toEqual({
      keyId: keyIdOf(newKey),
      credsRotated: 0,
      keysRotated: 0,
      packsRotated: 0,
      webhookSecretsRotated: 0,
    })
  })

  it('stops with auth_state_corrupt when a row is under a key it was not given, leaving that row as it was', async () => {
    await seed('acc-1')
    const stranger = crypto.randomBytes(32)
    await seed('acc-2', createKeyring({ current: stranger }))
    const keyring = createKeyring({ current: newKey, previous: [oldKey] })
    let error: unknown
    try {
      rotateAuthStateKeys({ db, keyring, logger })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('auth_state_corrupt')
    expect((error as AppError).details).toMatchObject({ accountId: 'acc-2', reason: 'unknown_key' })
    const strangerRows = db.$client.prepare('SELECT count(*) AS n FROM wa_creds WHERE key_id = ?').get(keyIdOf(stranger)) as { n: number }
    expect(strangerRows.n).toBe(1)
  })
})
