import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { type Browser, expect, type Page, test } from '@playwright/test'
import { startGateway } from '../tests/support/gateway-process'
import { expectAccessibleAtEachWidth, expectAccessibleEverywhere } from './axe'
import { accountBadge, accountCard, ADMIN, ADMIN_STATE, addOperatorInUi, linkAccountViaApi, LoginPage } from './fixtures'
import { E2E_SIM_PORT } from './global-setup'
import { phone, testPng } from './phone'

// The dashboard meets WCAG 2.1 A and AA as axe-core checks it: no serious or critical violation on any
// page, in either theme, at desktop or phone width. The pages hold real content (a linked account with
// a conversation both ways, an image, a reply, a reaction, webhook deliveries that succeeded and
// failed, an API key, a second operator), since an empty page hides most of what could fail. The setup
// page exists only until the first admin does, so it is checked on a second, brand-new gateway.

const ACCOUNT = { id: 'a11y', name: 'Accessible shop', phone: '15556001' }
const IDLE = { id: 'a11y-idle', name: 'Not linked yet' }
const CONTACT = '15557770300'
const OPERATOR = { email: 'a11y-viewer@example.test', role: 'viewer' as const, password: 'a11y-viewer-password' }

const receiver = http.createServer((req, res) => {
  req.resume()
  req.on('end', () => res.writeHead(204).end())
})
test.beforeAll(() => new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r)))
test.afterAll(() => new Promise<void>((r) => receiver.close(() => r())))

test('the login page, empty and after a refused sign-in', async ({ browser }) => {
  const context = await browser.newContext()
  const page = await context.newPage()
  const login = new LoginPage(page)
  await login.goto()
  await expectAccessibleEverywhere(page, 'login')
  await login.signIn('nobody@example.test', 'not-the-password')
  await expect(login.error()).toBeVisible()
  await expectAccessibleEverywhere(page, 'login with an error')
  await context.close()
})

test('the setup page of a new gateway, empty and after a refused attempt', async ({ browser }) => {
  test.setTimeout(120_000)
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-a11y-setup-'))
  const gateway = await startGateway({ DATA_DIR: dataDir, WA_WS_URL: `ws://127.0.0.1:${E2E_SIM_PORT}/ws/chat` })
  try {
    // from elsewhere (a proxy's header): the form as most see it, with the setup token's field
    const context = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': '203.0.113.8' } })
    const page = await context.newPage()
    await page.goto(`${gateway.url}/setup`)
    await expect(page.getByRole('heading', { name: 'Welcome' })).toBeVisible()
    await expectAccessibleEverywhere(page, 'setup')
    await page.getByLabel('Setup token').fill('not-the-token')
    await page.getByLabel('Name').fill(ADMIN.name)
    await page.getByLabel('Email').fill(ADMIN.email)
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password)
    await page.getByLabel('Confirm password').fill('something-else')
    await page.getByRole('button', { name: 'Create admin account' }).click()
    await expect(page.getByTestId('alert-error')).toBeVisible()
    await expectAccessibleEverywhere(page, 'setup with an error')
    await context.close()
  } finally {
    await gateway.stop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
})

/** Each dashboard page: where it is, what proves it rendered, and what to open on it before the check. */
const PAGES: {
  name: string
  path: (endpointId: string) => string
  heading: string
  open?: (page: Page) => Promise<void>
  /** the check itself, when it is not "what was opened, in both themes at both widths" */
  check?: (page: Page) => Promise<void>
}[] = [
  {
    name: 'accounts, add-account dialog',
    path: () => '/accounts',
    heading: 'Accounts',
    open: async (page) => {
      await page.getByRole('button', { name: 'Add account' }).click()
      await expect(page.getByRole('dialog', { name: 'Add a WhatsApp account' })).toBeVisible()
    },
  },
  {
    name: 'accounts, linking: a QR code, the pairing form, a toast',
    path: () => '/accounts',
    heading: 'Accounts',
    // A toast leaves after 5 s, so each theme gets its own, from the click that asks for a QR code.
    check: async (page) => {
      const card = accountCard(page, IDLE.id)
      const linking = async () => {
        await card.getByRole('button', { name: 'Link with QR code' }).click()
        await expect(card.getByTestId('qr-image')).toBeVisible()
        await expect(page.getByTestId('toast-success').last()).toBeVisible()
      }
      const unlink = async () => {
        await card.getByRole('button', { name: 'Disconnect' }).click()
        await expect(accountBadge(page, IDLE.id)).toHaveAttribute('data-status', 'disconnected')
      }
      await page.emulateMedia({ colorScheme: 'light' })
      await linking()
      await card.getByRole('button', { name: 'Link with a phone number instead' }).click()
      await expect(card.getByLabel('Phone number')).toBeVisible()
      await expectAccessibleAtEachWidth(page, 'accounts, linking (light)')
      await unlink()
      await page.emulateMedia({ colorScheme: 'dark' })
      await linking() // (the pairing form stays open)
      await expectAccessibleAtEachWidth(page, 'accounts, linking (dark)')
      await unlink()
    },
  },
  {
    name: 'account chats, a conversation open',
    path: () => `/accounts/${ACCOUNT.id}?tab=chats`,
    heading: ACCOUNT.name,
    open: async (page) => {
      await page.getByTestId('chat').first().click()
      const conversation = page.getByTestId('conversation')
      await expect(conversation.getByTestId('message').filter({ hasText: 'three left' })).toHaveAttribute('data-status', 'read')
      await expect(conversation.getByTestId('message-reactions')).toHaveText('👍')
      await expect(conversation.getByTestId('message-quote')).toContainText('blue one in stock')
      await expect
        .poll(() => conversation.getByTestId('message-thumbnail').evaluate((img: HTMLImageElement) => img.naturalWidth))
        .toBeGreaterThan(0)
    },
  },
  { name: 'account timeline', path: () => `/accounts/${ACCOUNT.id}?tab=timeline`, heading: ACCOUNT.name },
  { name: 'account API keys', path: () => `/accounts/${ACCOUNT.id}?tab=keys`, heading: ACCOUNT.name },
  {
    name: 'account webhooks',
    path: () => `/accounts/${ACCOUNT.id}?tab=webhooks`,
    heading: ACCOUNT.name,
    open: async (page) => {
      await expect(page.locator('[data-testid="delivery"][data-status="delivered"]').first()).toBeVisible()
      await expect(page.locator('[data-testid="delivery"]:not([data-status="delivered"])').first()).toBeVisible()
    },
  },
  { name: 'messages', path: () => '/messages', heading: 'Messages' },
  {
    name: 'webhooks, edit dialog open',
    path: (endpointId) => `/webhooks?endpoint=${endpointId}`,
    heading: 'Webhooks',
    open: async (page) => {
      await expect(page.getByTestId('delivery').first()).toBeVisible()
      await page.getByRole('button', { name: 'Edit', exact: true }).click()
      await expect(page.getByRole('dialog', { name: 'Edit webhook endpoint' })).toBeVisible()
    },
  },
  { name: 'API keys', path: () => '/keys', heading: 'API keys' },
  {
    name: 'events, one opened',
    path: () => '/events',
    heading: 'Event monitor',
    open: async (page) => {
      await phone.sendText(CONTACT, ACCOUNT.phone, 'Are you open on Saturday?')
      const row = page.locator('[data-testid="monitor-event"][data-type="message.received"]').first()
      await expect(row).toBeVisible()
      await row.getByRole('button').click()
      await expect(page.getByTestId('event-json')).toBeVisible()
    },
  },
  { name: 'operators', path: () => '/operators', heading: 'Operators' },
  { name: 'system', path: () => '/system', heading: 'System' },
]

/** A linked account with a conversation, webhooks with deliveries, an API key, a second operator. */
async function createContent(browser: Browser, origin: string): Promise<{ endpointId: string }> {
  const context = await browser.newContext({ storageState: ADMIN_STATE })
  const page = await context.newPage()
  const headers = { origin }
  await page.goto('/accounts')
  await linkAccountViaApi(page, origin, ACCOUNT)
  expect((await page.request.post('/api/v1/accounts', { headers, data: IDLE })).status()).toBe(201)

  // Two endpoints of the account: one whose receiver answers, one whose target is down (nothing
  // listens on port 9), so both a delivered and a failed delivery are shown.
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/a11y`
  const good = await page.request.post('/api/v1/webhooks', {
    headers,
    data: { url, accountId: ACCOUNT.id, description: 'CRM', events: ['message.received'], ordered: true },
  })
  expect(good.status()).toBe(201)
  const endpointId = ((await good.json()) as { id: string }).id
  const down = await page.request.post('/api/v1/webhooks', {
    headers,
    data: { url: 'http://127.0.0.1:9/a11y-down', accountId: ACCOUNT.id, events: ['message.received'], ordered: false },
  })
  expect(down.status()).toBe(201)

  await phone.create(CONTACT, 'Erin')
  await phone.setReceipts(CONTACT, { delivery: true, read: true })
  const first = await phone.sendText(CONTACT, ACCOUNT.phone, 'Hello! Do you have the blue one in stock?')
  await phone.sendMedia(CONTACT, {
    type: 'image',
    to: ACCOUNT.phone,
    data: testPng([30, 160, 90]),
    mimeType: 'image/png',
    caption: 'This one',
  })
  await expect
    .poll(async () => JSON.stringify(await (await page.request.get(`/api/v1/accounts/${ACCOUNT.id}/messages?limit=5`)).json()))
    .toContain('This one')
  const sent = await page.request.post(`/api/v1/accounts/${ACCOUNT.id}/messages`, {
    headers,
    data: { to: `+${CONTACT}`, type: 'text', text: { body: 'Yes, we have three left.' }, context: { messageId: first.id } },
  })
  expect(sent.status()).toBeLessThan(300)
  await expect.poll(async () => (await phone.inbox(CONTACT)).some((m) => m.text === 'Yes, we have three left.')).toBe(true)
  await phone.send(CONTACT, { type: 'reaction', to: ACCOUNT.phone, targetId: first.id, emoji: '👍' })

  const key = await page.request.post('/api/v1/api-keys', {
    headers,
    data: { name: 'Shop CRM', accountId: ACCOUNT.id, scopes: ['accounts:read', 'messages:send'] },
  })
  expect(key.status()).toBe(201)
  await addOperatorInUi(page, OPERATOR)
  await context.close()
  return { endpointId }
}

test('every dashboard page, with content and its dialogs open: no serious or critical WCAG A/AA violation, light and dark, desktop and phone', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(240_000)
  const { endpointId } = await createContent(browser, baseURL ?? '')
  const context = await browser.newContext({ storageState: ADMIN_STATE })
  const page = await context.newPage()
  // A step per page; the failures are soft, so each page's violations are listed and none hides another's.
  for (const p of PAGES) {
    await test.step(p.name, async () => {
      await page.emulateMedia({ colorScheme: 'light' })
      await page.goto(p.path(endpointId))
      await expect(page.getByRole('heading', { name: p.heading, exact: true, level: 1 })).toBeVisible()
      // the page as it is used: its live connection up (the header says Live, live content can arrive)
      await expect(page.getByTestId('realtime-status')).toHaveAttribute('data-connected', 'true')
      await p.open?.(page)
      await (p.check ? p.check(page) : expectAccessibleEverywhere(page, p.name))
    })
  }
  await context.close()
})
