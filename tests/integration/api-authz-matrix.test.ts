import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '@/lib/auth/password'
import type { Operation } from '@/lib/api/operation'
import { OPERATIONS } from '@/lib/api/operations'
import { closeDb, openDb } from '@/lib/db/client'
import { logMessages } from '@/lib/db/messages'
import { insertOperator } from '@/lib/db/operators'
import { scopesForRole } from '@/lib/keys/scopes'
import { type Simulator, startSimulator } from '../../sim'
import { apiClient, type GatewayProcess, signInCookie, startGateway } from '../support/gateway-process'
import { recordMessageNews } from '@/lib/messages/outbox'

/**
 * Every operation × every kind of caller: each answers as documented, and a refused call changes
 * nothing in the database.
 */
const ENV_KEY = 'test-gateway-api-key-0123456789abcdef'
const ADMIN = { email: 'admin@example.test', password: 'admin-password-1' }
const VIEWER = { email: 'viewer@example.test', password: 'viewer-password-1' }
const ACCOUNT_SCOPES = ['accounts:read', 'accounts:manage', 'messages:send', 'messages:read', 'webhooks:manage']

type Api = ReturnType<typeof apiClient>
type Caller =
  | 'no key'
  | 'revoked key'
  | 'expired key'
  | "other account's key"
  | 'key without the scope'
  | 'key without messages:read'
  | 'right key'
  | 'viewer session'
  | 'admin session'
const CALLERS: Caller[] = [
  'no key',
  'revoked key',
  'expired key',
  "other account's key",
  'key without the scope',
  'key without messages:read',
  'right key',
  'viewer session',
  'admin session',
]

let sim: Simulator
let gw: GatewayProcess
let dataDir: string
let admin: Api
const clients = new Map<string, Api>()
let seq = 0
const INBOUND_ID = '3EB0INBOUNDMATRIX0001'
let alphaWebhook = ''

async function issue(accountId: string | null, scopes: string[], expiresAt?: string): Promise<{ key: string; id: string }> {
  const res = await admin('POST', '/api/v1/api-keys', { name: `k${++seq}`, accountId, scopes, ...(expiresAt ? { expiresAt } : {}) })
  expect(res.status).toBe(201)
  return res.json as { key: string; id: string }
}

/** Everything a refused call must leave as it was (a key's last_used_at is bookkeeping, left out). */
function snapshot(): string {
  const db = new Database(path.join(dataDir, 'gateway.db'), { readonly: true })
  try {
    return JSON.stringify([
      db.prepare('SELECT * FROM accounts ORDER BY id').all(),
      db.prepare('SELECT id, name, account_id, scopes, expires_at, revoked_at FROM api_keys ORDER BY id').all(),
      db.prepare('SELECT count(*) AS n FROM audit_log').get(),
      db.prepare('SELECT count(*) AS n FROM account_status_log').get(),
      db.prepare('SELECT count(*) AS n FROM wa_creds').get(),
      db.prepare('SELECT id, status, text, edited_at, deleted_at FROM messages ORDER BY id').all(),
      db.prepare('SELECT * FROM send_queues ORDER BY account_id').all(),
      db.prepare('SELECT id, account_id, url, description, events, enabled, secrets FROM webhook_endpoints ORDER BY id').all(),
      db.prepare('SELECT id, status, cycle_attempts FROM webhook_deliveries WHERE status != ? ORDER BY id').all('pending'),
    ])
  } finally {
    db.close()
  }
}

/** A concrete, valid request for the operation, against account `alpha` (the keys' own account). */
async function newWebhook(): Promise<string> {
  const res = await admin('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/hook', accountId: 'alpha' })
  expect(res.status).toBe(201)
  return (res.json as { id: string }).id
}

const BOUNDARY = 'matrix-boundary'
const MULTIPART = [
  `--${BOUNDARY}`,
  'Content-Disposition: form-data; name="file"; filename="a.pdf"',
  'Content-Type: application/pdf',
  '',
  '%PDF-1.7\nmatrix\n%%EOF',
  `--${BOUNDARY}--`,
  '',
].join('\r\n')

async function requestFor(op: Operation, allowed: boolean): Promise<{ path: string; body?: unknown; headers?: Record<string, string> }> {
  const p = op.path.replace('{accountId}', 'alpha').replace('{webhookId}', alphaWebhook)
  switch (op.id) {
    case 'createWebhook':
      return { path: p, body: { url: 'http://127.0.0.1:9/made', accountId: 'alpha' } }
    case 'listWebhooks':
      return { path: `${p}?accountId=alpha` }
    case 'updateWebhook':
      return { path: p, body: { description: `changed ${++seq}` } }
    case 'deleteWebhook':
      return { path: allowed ? `/webhooks/${await newWebhook()}` : p }
    case 'rotateWebhookSecret':
      return { path: p, body: {} }
    case 'replayFailedWebhookDeliveries':
      return { path: p, body: { since: '2026-01-01T00:00:00Z', until: new Date().toISOString() } }
    case 'replayWebhookDelivery': {
      const res = await admin('POST', `/api/v1/webhooks/${alphaWebhook}/test`)
      expect(res.status).toBe(202)
      return { path: p.replace('{deliveryId}', String((res.json as { id: number }).id)) }
    }
    case 'createAccount':
      return { path: p, body: { id: `made-${++seq}`, name: 'Made' } }
    case 'deleteAccount': {
      if (!allowed) return { path: p }
      const id = `doomed-${++seq}`
      expect((await admin('POST', '/api/v1/accounts', { id, name: 'Doomed' })).status).toBe(201)
      return { path: `/accounts/${id}` }
    }
    case 'renameAccount':
      return { path: p, body: { name: `Alpha ${++seq}` } }
    case 'requestPairingCode':
      return { path: p, body: { phone: '15550009999' } }
    case 'createApiKey':
      return { path: p, body: { name: 'made', accountId: 'alpha', scopes: ['accounts:read'] } }
    case 'listApiKeys':
      return { path: `${p}?accountId=alpha` }
    case 'revokeApiKey':
      return { path: p.replace('{keyId}', (await issue('alpha', ['accounts:read'])).id) }
    case 'uploadMedia':
      return { path: p, body: MULTIPART, headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } }
    case 'getMessageMedia':
      return { path: p.replace('{messageId}', 'msg_none') }
    case 'sendMessage':
      return { path: p, body: { to: '+1 555 123 4567', type: 'text', text: { body: 'hi' } } }
    case 'sendMessageByQuery':
      return { path: `${p}?to=%2B15551234567&text=hi` }
    case 'getMessage':
    case 'deleteMessage':
    case 'cancelMessage':
      return { path: p.replace('{messageId}', INBOUND_ID) }
    case 'editMessage':
      return { path: p.replace('{messageId}', INBOUND_ID), body: { text: 'changed' } }
    case 'checkContacts':
      return { path: p, body: { phones: ['+1 555 123 4567'] } }
    case 'setSendPacing':
      return { path: p, body: { minGapMs: 100 + ++seq } }
    default:
      return { path: p }
  }
}

/** The error code of an answer; a 204 has no body at all. */
const codeOf = (json: unknown) => (json as { error?: { code?: string } } | null)?.error?.code

type Expected = { status: number; code: string } | 'allowed'

/**
 * Operations that can make message content flow to a webhook receiver: on the matrix's endpoint
 * (alpha's, subscribed to every event) they need messages:read beside their declared scope.
 */
const CONTENT_WEBHOOK_OPS = ['createWebhook', 'updateWebhook', 'testWebhook', 'replayWebhookDelivery', 'replayFailedWebhookDeliveries']
const scope = (op: Operation) => (op.auth === 'public' ? null : op.auth.scope)
/** Every scope a request of the matrix needs. */
const scopesFor = (op: Operation): string[] =>
  op.auth === 'public' ? [] : CONTENT_WEBHOOK_OPS.includes(op.id) ? [op.auth.scope, 'messages:read'] : [op.auth.scope]

function expected(caller: Caller, op: Operation): Expected {
  if (op.auth === 'public') return 'allowed'
  const scope = op.auth.scope
  const accountInPath = op.path.includes('{accountId}')
  switch (caller) {
    case 'no key':
    case 'revoked key':
    case 'expired key':
      return { status: 401, code: 'unauthorized' }
    case "other account's key":
      // The account check comes before the scope: another account is "missing", whatever the scope.
      // …and so are its webhook endpoints.
      if (accountInPath || op.path.includes('{webhookId}') || ['listApiKeys', 'listWebhooks', 'createWebhook'].includes(op.id))
        return { status: 404, code: 'not_found' }
      return scope === 'admin' ? { status: 403, code: 'insufficient_scope' } : 'allowed'
    case 'key without the scope':
      return { status: 403, code: 'insufficient_scope' }
    case 'key without messages:read':
      // an account key with every scope an account key may hold except messages:read
      if (scope === 'admin') return { status: 403, code: 'insufficient_scope' }
      return scopesFor(op).includes('messages:read') ? { status: 403, code: 'insufficient_scope' } : 'allowed'
    case 'viewer session':
    case 'admin session':
      // A GET that sends takes keys only: a cookie would let any site send with an <img> tag.
      if (op.id === 'sendMessageByQuery') return { status: 401, code: 'unauthorized' }
      if (caller === 'admin session') return 'allowed'
      return scopesForRole('viewer').includes(scope) ? 'allowed' : { status: 403, code: 'insufficient_scope' }
    case 'right key':
      return 'allowed'
  }
}

async function clientFor(caller: Caller, op: Operation): Promise<Api> {
  if (caller === 'key without the scope') {
    // an account key with every account scope except the one the operation needs
    const scope = op.auth === 'public' ? '' : op.auth.scope
    const key = `without:${scope}`
    if (!clients.has(key))
      clients.set(
        key,
        apiClient(gw.url, {
          authorization: `Bearer ${
            (
              await issue(
                'alpha',
                ACCOUNT_SCOPES.filter((s) => s !== scope),
              )
            ).key
          }`,
        }),
      )
    return clients.get(key)!
  }
  if (caller === 'right key') {
    const scopes = op.auth === 'public' ? ['accounts:read'] : scopesFor(op)
    const key = `right:${scopes.join('+')}`
    if (!clients.has(key))
      clients.set(
        key,
        apiClient(gw.url, { authorization: `Bearer ${(await issue(scopes.includes('admin') ? null : 'alpha', scopes)).key}` }),
      )
    return clients.get(key)!
  }
  return clients.get(caller)!
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0 })
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-matrix-'))
  gw = await startGateway({
    DATA_DIR: dataDir,
    WA_WS_URL: sim.wsUrl,
    GATEWAY_API_KEY: ENV_KEY,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    API_AUTH_FAILURE_LIMIT: '10000',
    ALLOW_QUERY_API_KEY: 'true',
    WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
    WEBHOOK_ALLOW_HTTP: '1',
  })
  admin = apiClient(gw.url, { authorization: `Bearer ${ENV_KEY}` })
  const db = openDb(path.join(dataDir, 'gateway.db'))
  insertOperator({ db, email: VIEWER.email, name: 'Viewer', role: 'viewer', passwordHash: await hashPassword(VIEWER.password) })
  for (const id of ['alpha', 'beta']) expect((await admin('POST', '/api/v1/accounts', { id, name: id })).status).toBe(201)
  // One message a contact sent to alpha: what the message operations act on.
  logMessages({
    db,
    accountId: 'alpha',
    items: [
      {
        waMessageId: INBOUND_ID,
        remoteJid: '15551234567@s.whatsapp.net',
        chat: { jid: '15551234567@s.whatsapp.net', pnJid: '15551234567@s.whatsapp.net', lid: null },
        direction: 'in',
        senderJid: '15551234567@s.whatsapp.net',
        pushName: 'Ann',
        type: 'text',
        text: 'hello',
        content: { text: { body: 'hello' } },
        quotedWaId: null,
        effect: null,
        status: 'delivered',
        errorCode: null,
        statusReason: null,
        proto: Buffer.alloc(0),
        timestamp: Date.now(),
      },
    ],
    onNews: recordMessageNews,
  })
  closeDb(db)
  alphaWebhook = await newWebhook()

  const bearer = (key: string) => apiClient(gw.url, { authorization: `Bearer ${key}` })
  const revoked = await issue('alpha', ACCOUNT_SCOPES)
  expect((await admin('DELETE', `/api/v1/api-keys/${revoked.id}`)).status).toBe(200)
  const expiresAt = Date.now() + 1500
  const expiring = await issue('alpha', ACCOUNT_SCOPES, new Date(expiresAt).toISOString())
  clients.set('no key', apiClient(gw.url))
  clients.set('revoked key', bearer(revoked.key))
  clients.set('expired key', bearer(expiring.key))
  clients.set("other account's key", bearer((await issue('beta', ACCOUNT_SCOPES)).key))
  clients.set(
    'key without messages:read',
    bearer(
      (
        await issue(
          'alpha',
          ACCOUNT_SCOPES.filter((s) => s !== 'messages:read'),
        )
      ).key,
    ),
  )
  clients.set('viewer session', apiClient(gw.url, { cookie: await signInCookie(gw.url, VIEWER.email, VIEWER.password), origin: gw.url }))
  clients.set('admin session', apiClient(gw.url, { cookie: await signInCookie(gw.url, ADMIN.email, ADMIN.password), origin: gw.url }))
  // Past the expiring key's expiry (the server compares it with the same clock), not a guessed pause.
  await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now() + 1)))
  expect(Date.now()).toBeGreaterThan(expiresAt)
}, 90_000)

afterAll(async () => {
  await (gw as GatewayProcess | undefined)?.stop()
  await (sim as Simulator | undefined)?.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('authorisation matrix: every operation × every caller', () => {
  for (const caller of CALLERS)
    it(caller, async () => {
      const outcomes: string[] = []
      for (const op of OPERATIONS) {
        const want = expected(caller, op)
        const api = await clientFor(caller, op)
        const req = await requestFor(op, want === 'allowed')
        const before = want === 'allowed' ? '' : snapshot()
        const res = await api(op.method, `/api/v1${req.path}`, req.body, req.headers)
        const got = `${op.id}: ${res.status} ${codeOf(res.json) ?? ''}`.trim()
        if (want === 'allowed') {
          const fine =
            res.status === op.success.status ||
            (op.alsoAnswers ?? []).some((a) => a.status === res.status) ||
            (op.errors ?? []).some((code) => code === codeOf(res.json))
          outcomes.push(fine ? `${op.id}: allowed` : `${got} (expected allowed)`)
        } else {
          outcomes.push(
            res.status === want.status && codeOf(res.json) === want.code
              ? `${op.id}: ${want.status} ${want.code}`
              : `${got} (expected ${want.status} ${want.code})`,
          )
          expect(snapshot(), `${caller} → ${op.id} changed the database`).toBe(before)
          if (caller === 'key without messages:read' && scope(op) !== 'admin')
            expect(res.json.error?.details, op.id).toMatchObject({ required: 'messages:read' })
        }
        if (caller === "other account's key" && op.id === 'listAccounts')
          expect(res.json.data).toEqual([expect.objectContaining({ id: 'beta' })])
        if (caller === 'right key' && op.id === 'listAccounts') expect(res.json.data).toEqual([expect.objectContaining({ id: 'alpha' })])
      }
      expect(outcomes.filter((o) => o.includes('expected'))).toEqual([])
    })
})
