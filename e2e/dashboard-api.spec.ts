import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type APIRequestContext, type BrowserContext, expect, type Page, test } from '@playwright/test'
import type { AuditEntryView } from '@/lib/audit/log'
import { type GatewayProcess, startGateway } from '../tests/support/gateway-process'
import { accountBadge, accountCard, addOperatorInUi, createAccountInUi, LoginPage } from './fixtures'
import { E2E_SIM_PORT } from './global-setup'
import { decodeQrDataUrl, phone } from './phone'

/**
 * The dashboard uses the API it offers: a send from the composer is `POST …/messages` with the
 * operator's session, so it is audited like a program's send (the operator as actor), counted by
 * the same per-caller limiter (past it the composer shows the API's 429), and refused to a viewer
 * with the API's 403. A gateway of its own, with a small API_RATE_LIMIT, so that exhausting an
 * operator's budget here touches no other spec.
 */

const LIMIT = 20
const KEY = 'e2e-dashboard-api-gateway-key-0123456789abcdef'
const ADMIN_OP = { email: 'desk-admin@example.test', password: 'desk-admin-password-1' }
const VIEWER_OP = { email: 'desk-viewer@example.test', role: 'viewer' as const, password: 'desk-viewer-password-1' }
const DESK = '15559401'
const CONTACT = '15559400102'

let gateway: GatewayProcess | undefined
let dataDir = ''
let context: BrowserContext
let page: Page
const base = () => gateway?.url ?? ''

const bubble = (p: Page, text: string) => p.getByTestId('conversation').getByTestId('message').filter({ hasText: text })

/** The gateway's audit log of sends to the account, read with the gateway-wide key. */
async function sendAudit(request: APIRequestContext): Promise<AuditEntryView[]> {
  const res = await request.get(`${base()}/api/v1/audit?action=message.send&target=desk`, { headers: { authorization: `Bearer ${KEY}` } })
  expect(res.status()).toBe(200)
  return ((await res.json()) as { data: AuditEntryView[] }).data
}

async function openChat(p: Page, to: string) {
  await p.goto('/accounts/desk')
  await p.getByLabel('New chat with phone number').fill(`+${to}`)
  await p.getByRole('button', { name: 'Open', exact: true }).click()
}

test.describe.configure({ mode: 'serial' })

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000)
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-dashboard-api-'))
  gateway = await startGateway({
    DATA_DIR: dataDir,
    GATEWAY_API_KEY: KEY,
    WA_WS_URL: `ws://127.0.0.1:${E2E_SIM_PORT}/ws/chat`,
    ADMIN_EMAIL: ADMIN_OP.email,
    ADMIN_PASSWORD: ADMIN_OP.password,
    API_RATE_LIMIT: String(LIMIT),
  })
  context = await browser.newContext({ baseURL: gateway.url })
  page = await context.newPage()
  const login = new LoginPage(page)
  await login.goto()
  await login.signIn(ADMIN_OP.email, ADMIN_OP.password)
  await expect(page).toHaveURL(/\/accounts$/)
  // An account linked from the dashboard, as an operator does it.
  await createAccountInUi(page, 'desk', 'Desk')
  await phone.create(DESK, 'Desk phone')
  await phone.create(CONTACT, 'Dora')
  await accountCard(page, 'desk').getByRole('button', { name: 'Link with QR code' }).click()
  const image = accountCard(page, 'desk').getByTestId('qr-image')
  await expect(image).toBeVisible()
  await phone.scan(DESK, decodeQrDataUrl((await image.getAttribute('src')) ?? ''))
  await expect(accountBadge(page, 'desk')).toHaveAttribute('data-status', 'connected')
})

test.afterAll(async () => {
  await context.close()
  await gateway?.stop()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

test('a send from the composer is POST …/messages with the session, and the audit log records it as an API send, by the operator', async ({
  request,
}) => {
  await openChat(page, CONTACT)
  const answered = page.waitForResponse(
    (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/accounts/desk/messages',
  )
  await page.getByLabel('Message text').fill('Sent from the desk')
  await page.getByRole('button', { name: 'Send', exact: true }).click()
  const res = await answered
  expect(res.status()).toBe(202)
  // the operator's own budget of the per-caller limiter, as a key's would be
  expect(res.headers()['ratelimit-policy']).toBe(`${LIMIT};w=60`)
  const fromDesk = (await res.json()) as { id: string }
  await expect(bubble(page, 'Sent from the desk')).toHaveAttribute('data-direction', 'out')
  await expect.poll(async () => (await phone.inbox(CONTACT)).some((m) => m.text === 'Sent from the desk')).toBe(true)

  // A program's send through the same operation, with the gateway-wide key.
  const byKey = await request.post(`${base()}/api/v1/accounts/desk/messages`, {
    headers: { authorization: `Bearer ${KEY}` },
    data: { to: `+${CONTACT}`, type: 'text', text: { body: 'Sent by a program' } },
  })
  expect(byKey.status()).toBe(202)
  const fromKey = (await byKey.json()) as { id: string }

  const rows = await sendAudit(request)
  const dash = rows.find((r) => (r.details as { messageId?: string } | null)?.messageId === fromDesk.id)
  const api = rows.find((r) => (r.details as { messageId?: string } | null)?.messageId === fromKey.id)
  expect(rows).toHaveLength(2)
  expect(dash).toMatchObject({
    actor: ADMIN_OP.email,
    actorId: expect.stringMatching(/^operator:/),
    action: 'message.send',
    target: 'desk',
    ip: '127.0.0.1',
    requestId: res.headers()['x-request-id'],
    details: { messageId: fromDesk.id, type: 'text', via: 'api' },
  })
  expect(api).toMatchObject({
    actorId: 'api_key:env',
    action: 'message.send',
    target: 'desk',
    details: { messageId: fromKey.id, type: 'text', via: 'api' },
  })
  // the same entry, field for field, apart from who and which request
  const shape = (r: AuditEntryView | undefined) => ({
    ...r,
    actor: '',
    actorId: '',
    requestId: '',
    details: { ...(r?.details as object), messageId: '' },
  })
  expect(shape(dash)).toEqual({ ...shape(api), id: expect.any(Number) as unknown, at: expect.any(String) as unknown })
})

test("the composer's sends share the operator's API budget: past it the composer shows the API's 429 and nothing is sent", async ({
  request,
}) => {
  await openChat(page, CONTACT)
  // Spend the rest of this operator's minute through the API with the same session.
  let refused: { status: number; code: string } | null = null
  for (let i = 0; i <= LIMIT && !refused; i++) {
    const r = await page.request.get('/api/v1/accounts/desk')
    if (r.status() !== 200) refused = { status: r.status(), code: ((await r.json()) as { error: { code: string } }).error.code }
  }
  expect(refused).toEqual({ status: 429, code: 'rate_limited' })

  await page.getByLabel('Message text').fill('One too many')
  await page.getByRole('button', { name: 'Send', exact: true }).click()
  await expect(page.getByTestId('composer-error')).toHaveText(
    /^Too many requests for your session: at most 20 per 60 s\. Retry in \d+ s\.$/,
  )
  await expect(bubble(page, 'One too many')).toHaveCount(0)
  // Nothing stored or audited; a program's key has a budget of its own and still reads.
  const log = await request.get(`${base()}/api/v1/accounts/desk/messages?chat=${CONTACT}`, { headers: { authorization: `Bearer ${KEY}` } })
  expect(log.status()).toBe(200)
  expect(JSON.stringify(await log.json())).not.toContain('One too many')
  expect(await sendAudit(request)).toHaveLength(2)
})

test('a viewer is offered no composer, and the API refuses its session a send with 403 insufficient_scope (and any cross-site write)', async ({
  browser,
  request,
}) => {
  await addOperatorInUi(page, VIEWER_OP)
  const viewerContext = await browser.newContext({ baseURL: base() })
  try {
    const viewer = await viewerContext.newPage()
    const login = new LoginPage(viewer)
    await login.goto()
    await login.signIn(VIEWER_OP.email, VIEWER_OP.password)
    await expect(viewer).toHaveURL(/\/accounts$/)
    await openChat(viewer, CONTACT)
    await expect(viewer.getByTestId('composer-disabled')).toHaveText(/only admins send/)
    await expect(bubble(viewer, 'Sent from the desk')).toBeVisible()

    const body = { to: `+${CONTACT}`, type: 'text', text: { body: 'A viewer tries' } }
    const refused = await viewer.request.post('/api/v1/accounts/desk/messages', { headers: { origin: base() }, data: body })
    expect(refused.status()).toBe(403)
    expect(((await refused.json()) as { error: unknown }).error).toMatchObject({
      code: 'insufficient_scope',
      message: 'Your role lacks the "messages:send" scope this operation needs.',
    })
    // A page on another site cannot write with the cookie (the Origin check of cookie writes).
    const crossSite = await viewer.request.post('/api/v1/accounts/desk/messages', {
      headers: { origin: 'https://elsewhere.example' },
      data: body,
    })
    expect(crossSite.status()).toBe(403)
    expect(((await crossSite.json()) as { error: { code: string } }).error.code).toBe('forbidden')
    expect(await sendAudit(request)).toHaveLength(2)
  } finally {
    await viewerContext.close()
  }
})
