import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiClient, type GatewayProcess, startGateway } from '../support/gateway-process'

const ENV_KEY = 'test-gateway-api-key-0123456789abcdef'
const PER_KEY_LIMIT = 30

let gw: GatewayProcess
let dataDir: string
let admin: ReturnType<typeof apiClient>
const as = (key: string) => apiClient(gw.url, { authorization: `Bearer ${key}` })
const rows = (sql: string, ...args: unknown[]) => {
  const db = new Database(path.join(dataDir, 'gateway.db'), { readonly: true })
  try {
    return db.prepare(sql).all(...args) as Record<string, unknown>[]
  } finally {
    db.close()
  }
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-keys-'))
  // No WhatsApp needed here: nothing connects. A small per-key limit to see it act.
  gw = await startGateway({ DATA_DIR: dataDir, GATEWAY_API_KEY: ENV_KEY, API_RATE_LIMIT: String(PER_KEY_LIMIT) })
  admin = as(ENV_KEY)
}, 90_000)

afterAll(async () => {
  await (gw as GatewayProcess | undefined)?.stop()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('API keys on the real server', () => {
  let shopKey = ''
  let shopKeyId = ''

  it('creating an account can return its first key, shown once; only the prefix and a hash are stored', async () => {
    const res = await admin('POST', '/api/v1/accounts', {
      id: 'shop',
      name: 'Shop',
      apiKey: { scopes: ['accounts:read', 'accounts:manage'] },
    })
    expect(res.status).toBe(201)
    const apiKey = res.json.apiKey as { key: string; id: string; prefix: string; accountId: string; name: string; scopes: string[] }
    expect(apiKey).toMatchObject({ accountId: 'shop', name: 'Shop key', scopes: ['accounts:read', 'accounts:manage'] })
    expect(apiKey.key).toMatch(/^wag_[a-z0-9]{10}_[A-Za-z0-9]{43}$/)
    expect(apiKey.key.startsWith(apiKey.prefix)).toBe(true)
    shopKey = apiKey.key
    shopKeyId = apiKey.id

    const listed = await admin('GET', '/api/v1/api-keys')
    expect(JSON.stringify(listed.json)).not.toContain(shopKey.slice(15))
    expect(listed.json.data).toEqual([expect.objectContaining({ id: shopKeyId, prefix: apiKey.prefix, lastUsedAt: null })])
    const stored = rows('SELECT * FROM api_keys')
    expect(stored).toHaveLength(1)
    expect(JSON.stringify(stored)).not.toContain(shopKey.slice(15))
    // A bad first key creates nothing, not even the account.
    const bad = await admin('POST', '/api/v1/accounts', { id: 'nope', name: 'Nope', apiKey: { scopes: ['admin'] } })
    expect(bad.status).toBe(422)
    expect(rows("SELECT id FROM accounts WHERE id = 'nope'")).toEqual([])
  })

  it('an account key acts on its own account only, within its scopes', async () => {
    await admin('POST', '/api/v1/accounts', { id: 'other', name: 'Other' })
    const shop = as(shopKey)
    expect((await shop('GET', '/api/v1/accounts')).json.data).toEqual([expect.objectContaining({ id: 'shop' })])
    expect((await shop('GET', '/api/v1/accounts/shop')).status).toBe(200)
    const other = await shop('GET', '/api/v1/accounts/other')
    const missing = await shop('GET', '/api/v1/accounts/missing')
    expect(other.status).toBe(404)
    expect(other.json.error).toEqual({ code: 'not_found', message: 'No account with id "other".' })
    expect(missing.json.error).toEqual({ code: 'not_found', message: 'No account with id "missing".' })
    expect((await shop('PATCH', '/api/v1/accounts/other', { name: 'Mine now' })).status).toBe(404)
    expect(rows("SELECT name FROM accounts WHERE id = 'other'")).toEqual([{ name: 'Other' }])
    const renamed = await shop('PATCH', '/api/v1/accounts/shop', { name: 'Shop (EU)' })
    expect(renamed.json.name).toBe('Shop (EU)')
    // Creating keys and accounts needs admin, which account keys never have.
    const noScope = await shop('POST', '/api/v1/api-keys', { name: 'x', accountId: 'shop', scopes: ['accounts:read'] })
    expect(noScope.status).toBe(403)
    expect(noScope.json.error).toMatchObject({ code: 'insufficient_scope', details: { required: 'admin' } })
    expect((await shop('GET', '/api/v1/api-keys?accountId=other')).status).toBe(404)
    expect((await shop('GET', '/api/v1/api-keys')).json.data).toEqual([expect.objectContaining({ id: shopKeyId })])
    expect(rows('SELECT last_used_at FROM api_keys WHERE id = ?', shopKeyId)[0]?.last_used_at).toBeGreaterThan(0)
  })

  it('POST /api-keys validates; DELETE revokes at once; both are audited with actor, address and request id', async () => {
    const invalid = await admin('POST', '/api/v1/api-keys', { name: 'x', accountId: 'shop', scopes: ['admin'] })
    expect(invalid.status).toBe(422)
    expect((await admin('POST', '/api/v1/api-keys', { name: 'x', accountId: 'shop', scopes: ['root'] })).status).toBe(422)
    expect((await admin('POST', '/api/v1/api-keys', { name: 'x', accountId: 'ghost', scopes: ['accounts:read'] })).status).toBe(404)
    // Each route caps its body (4 KiB here), whatever the fields say.
    const huge = await admin('POST', '/api/v1/api-keys', { name: 'x'.repeat(5000), accountId: null, scopes: ['admin'] })
    expect(huge.status).toBe(413)
    expect(huge.json.error?.message).toContain('4096 bytes')
    const past = await admin('POST', '/api/v1/api-keys', {
      name: 'x',
      accountId: null,
      scopes: ['admin'],
      expiresAt: '2020-01-01T00:00:00Z',
    })
    expect(past.status).toBe(422)

    const created = await admin(
      'POST',
      '/api/v1/api-keys',
      { name: 'Ops', accountId: null, scopes: ['admin'], expiresAt: '2099-01-01T00:00:00Z' },
      { 'x-request-id': 'create-ops-key' },
    )
    expect(created.status).toBe(201)
    const ops = created.json as { key: string; id: string; prefix: string }
    expect(created.json).toMatchObject({ accountId: null, scopes: ['admin'], expiresAt: '2099-01-01T00:00:00.000Z' })
    const opsApi = as(ops.key)
    expect((await opsApi('GET', '/api/v1/accounts')).json.data).toHaveLength(2)

    const revoked = await opsApi('DELETE', `/api/v1/api-keys/${shopKeyId}`, undefined, { 'x-request-id': 'revoke-shop-key' })
    expect(revoked.status).toBe(200)
    expect(revoked.json.revokedAt).toEqual(expect.any(String))
    const after = await as(shopKey)('GET', '/api/v1/accounts/shop')
    expect(after.status).toBe(401)
    expect(after.json.error?.message).toBe('The API key has been revoked.')
    expect((await admin('DELETE', '/api/v1/api-keys/key_0000000000000000')).status).toBe(404)

    const audit = await admin('GET', '/api/v1/audit?action=api_key.revoke')
    expect(audit.json.data).toEqual([
      expect.objectContaining({
        action: 'api_key.revoke',
        actorId: `api_key:${ops.id}`,
        actor: `Ops (${ops.prefix})`,
        target: shopKeyId,
        ip: '127.0.0.1',
        requestId: 'revoke-shop-key',
      }),
    ])
    const creation = await admin('GET', `/api/v1/audit?target=${ops.id}`)
    expect(creation.json.data).toEqual([
      expect.objectContaining({ action: 'api_key.create', actorId: 'api_key:env', requestId: 'create-ops-key', ip: '127.0.0.1' }),
    ])
  })

  it('the audit log pages newest first and is for admins only', async () => {
    const first = await admin('GET', '/api/v1/audit?limit=2')
    const page1 = first.json as { data: { id: number; action: string }[]; nextBefore: number }
    expect(page1.data).toHaveLength(2)
    expect(page1.data[0]!.id).toBeGreaterThan(page1.data[1]!.id)
    const second = await admin('GET', `/api/v1/audit?limit=2&before=${page1.nextBefore}`)
    expect((second.json.data as { id: number }[])[0]!.id).toBeLessThan(page1.data[1]!.id)
    const all = (await admin('GET', '/api/v1/audit?limit=200')).json.data as { action: string }[]
    expect(all.map((e) => e.action).sort()).toEqual(
      ['account.create', 'account.create', 'account.rename', 'api_key.create', 'api_key.revoke'].sort(),
    )
    expect((await admin('GET', '/api/v1/audit?limit=0')).status).toBe(422)
    expect((await admin('GET', '/api/v1/audit?since=yesterday')).status).toBe(422)
    const viewerKey = (await admin('POST', '/api/v1/api-keys', { name: 'reader', accountId: null, scopes: ['accounts:read'] })).json
      .key as string
    expect((await as(viewerKey)('GET', '/api/v1/audit')).json.error?.code).toBe('insufficient_scope')
  })

  it('limits requests per key (429, Retry-After, RateLimit headers); another key keeps its own budget', async () => {
    const key = (await admin('POST', '/api/v1/api-keys', { name: 'busy', accountId: null, scopes: ['accounts:read'] })).json.key as string
    const busy = as(key)
    let last = await busy('GET', '/api/v1/accounts')
    expect(last.headers.get('ratelimit-limit')).toBe(String(PER_KEY_LIMIT))
    expect(last.headers.get('ratelimit-remaining')).toBe(String(PER_KEY_LIMIT - 1))
    for (let i = 1; i < PER_KEY_LIMIT; i++) last = await busy('GET', '/api/v1/accounts')
    expect(last.status).toBe(200)
    const limited = await busy('GET', '/api/v1/accounts')
    expect(limited.status).toBe(429)
    expect(limited.json.error?.code).toBe('rate_limited')
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(limited.headers.get('ratelimit-remaining')).toBe('0')
    const fresh = (await admin('POST', '/api/v1/api-keys', { name: 'calm', accountId: null, scopes: ['accounts:read'] })).json.key as string
    expect((await as(fresh)('GET', '/api/v1/accounts')).status).toBe(200)
  })

  it('publishes the document and the docs page without authentication', async () => {
    const doc = await fetch(`${gw.url}/api/v1/openapi.json`)
    expect(doc.status).toBe(200)
    expect(((await doc.json()) as { openapi: string }).openapi).toBe('3.1.0')
    const page = await fetch(`${gw.url}/api-docs`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'")
    const html = await page.text()
    expect(html).toContain('/api-docs/swagger-ui-bundle.js')
    expect(html).not.toMatch(/https?:\/\//)
    const bundle = await fetch(`${gw.url}/api-docs/swagger-ui-bundle.js`)
    expect(bundle.headers.get('content-type')).toContain('javascript')
    expect((await fetch(`${gw.url}/api-docs/..%2Fpackage.json`)).status).toBe(404)
  })
})
