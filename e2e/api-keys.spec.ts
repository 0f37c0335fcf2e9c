import { type Browser, expect, type Page, test } from '@playwright/test'
import { ADMIN_STATE, LoginPage } from './fixtures'

const row = (page: Page, name: string) => page.locator(`[data-testid="key-row"][data-name="${name}"]`)

async function adminPage(browser: Browser) {
  const context = await browser.newContext({ storageState: ADMIN_STATE, permissions: ['clipboard-read', 'clipboard-write'] })
  return { context, page: await context.newPage() }
}

test('an admin creates a key, sees it once, copies it; the key works, shows its last use, and is revoked after confirming', async ({
  browser,
  baseURL,
}) => {
  const { context, page } = await adminPage(browser)
  await page.goto('/keys')
  await expect(page.getByRole('heading', { name: 'API keys', exact: true })).toBeVisible()
  await page.getByLabel('Name', { exact: true }).fill('Reporting script')
  await page.getByRole('combobox', { name: /^Account/ }).selectOption('')
  await page.getByRole('checkbox', { name: /accounts:read/ }).check()
  await page.getByRole('button', { name: 'Create key' }).click()

  const value = page.getByTestId('new-key-value')
  await expect(value).toHaveText(/^wag_[a-z0-9]{10}_[A-Za-z0-9]{43}$/)
  const key = (await value.textContent()) ?? ''
  await page.getByRole('button', { name: 'Copy' }).click()
  await expect(page.getByRole('button', { name: 'Copied' })).toBeVisible()
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key)
  await expect(row(page, 'Reporting script')).toContainText('accounts:read')
  await expect(row(page, 'Reporting script').getByTestId('key-last-used')).toHaveText('—')

  // A program uses it; the list shows the use after a reload, and never the key again.
  const call = () => page.request.get(`${baseURL}/api/v1/accounts`, { headers: { authorization: `Bearer ${key}` } })
  expect((await call()).status()).toBe(200)
  await page.getByRole('button', { name: 'Done' }).click()
  await page.reload()
  await expect(row(page, 'Reporting script').getByTestId('key-last-used')).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/)
  await expect(page.getByText(key)).toHaveCount(0)

  // Revoke asks first; dismissing keeps the key.
  page.once('dialog', (d) => void d.dismiss())
  await row(page, 'Reporting script').getByRole('button', { name: 'Revoke' }).click()
  await expect(row(page, 'Reporting script').getByTestId('key-status')).toHaveText('active')
  page.once('dialog', (d) => void d.accept())
  await row(page, 'Reporting script').getByRole('button', { name: 'Revoke' }).click()
  await expect(row(page, 'Reporting script').getByTestId('key-status')).toHaveText('revoked')
  expect((await call()).status()).toBe(401)
  await context.close()
})

test('a viewer sees the keys but cannot create or revoke', async ({ browser }) => {
  const viewer = { email: 'key-viewer@example.test', password: 'viewer-password-1' }
  const admin = await adminPage(browser)
  await admin.page.goto('/operators')
  await admin.page.getByLabel('Email').fill(viewer.email)
  await admin.page.getByLabel('Role').selectOption('viewer')
  await admin.page.getByLabel('Initial password').fill(viewer.password)
  await admin.page.getByRole('button', { name: 'Add operator' }).click()
  await expect(admin.page.getByText(`Added ${viewer.email} as viewer.`)).toBeVisible()
  await admin.page.goto('/keys')
  await admin.page.getByLabel('Name', { exact: true }).fill('Visible to viewers')
  await admin.page.getByRole('checkbox', { name: /^messages:read/ }).check()
  await admin.page.getByRole('button', { name: 'Create key' }).click()
  await expect(admin.page.getByTestId('new-key-value')).toBeVisible()
  await admin.context.close()

  const context = await browser.newContext()
  const page = await context.newPage()
  const login = new LoginPage(page)
  await login.goto()
  await login.signIn(viewer.email, viewer.password)
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click()
  await expect(row(page, 'Visible to viewers')).toBeVisible()
  await expect(page.getByRole('button', { name: 'Create key' })).toHaveCount(0)
  await expect(page.getByRole('button', { name: 'Revoke' })).toHaveCount(0)
  await context.close()
})

test('the API docs work from the gateway alone, under its CSP, and try a call with a pasted key', async ({ browser, baseURL }) => {
  // A key to paste, made through the API by the signed-in admin.
  const admin = await adminPage(browser)
  const created = await admin.page.request.post(`${baseURL}/api/v1/api-keys`, {
    headers: { origin: baseURL! },
    data: { name: 'docs', accountId: null, scopes: ['accounts:read'] },
  })
  expect(created.status()).toBe(201)
  const { key } = (await created.json()) as { key: string }
  await admin.context.close()

  // Anonymous visitor: the page is public. Any request off this origin or any CSP violation fails the test.
  const context = await browser.newContext()
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text())
  })
  page.on('request', (r) => {
    if (!r.url().startsWith(baseURL!) && !r.url().startsWith('data:')) problems.push(`off-origin request: ${r.url()}`)
  })
  await page.goto('/api-docs')
  await expect(page.getByRole('heading', { name: /WA Gateway API/ })).toBeVisible()
  const op = page.locator('#operations-Accounts-listAccounts')
  await expect(op).toBeVisible()

  await page.getByRole('button', { name: 'Authorize' }).first().click()
  const modal = page.locator('.modal-ux')
  await modal.getByRole('textbox', { name: 'auth-bearer-value' }).fill(key)
  await modal.getByRole('button', { name: 'Apply credentials' }).first().click()
  await modal.getByRole('button', { name: 'Close' }).first().click()

  await op.locator('.opblock-summary').click()
  // Try-it-out is on from the start (tryItOutEnabled): Execute is there already.
  const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/accounts'))
  await op.getByRole('button', { name: 'Execute' }).click()
  const res = await answered
  expect(res.status()).toBe(200)
  expect(res.request().headers().authorization).toBe(`Bearer ${key}`)
  await expect(op.locator('.live-responses-table tbody .response-col_status')).toContainText('200')
  expect(problems).toEqual([])
  await context.close()
})
