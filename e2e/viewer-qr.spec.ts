import { expect, type Page, test } from '@playwright/test'
import { addOperatorInUi, ADMIN_STATE, expectDashboard, LoginPage } from './fixtures'

const card = (page: Page, id: string) => page.locator(`[data-testid="account-card"][data-account-id="${id}"]`)

test('a viewer never receives a QR code: not over the socket, not in the page; it sees that one is waiting', async ({ browser }) => {
  // An admin adds a viewer and an account.
  const adminContext = await browser.newContext({ storageState: ADMIN_STATE })
  const admin = await adminContext.newPage()
  const viewerUser = { email: 'qr-viewer@example.test', password: 'qr-viewer-password' }
  await addOperatorInUi(admin, { ...viewerUser, role: 'viewer' })
  await admin.goto('/accounts')
  await admin.getByRole('button', { name: 'Add account' }).click()
  const dialog = admin.getByRole('dialog', { name: 'Add a WhatsApp account' })
  await dialog.getByLabel('Display name').fill('Front desk')
  await dialog.getByLabel('Id (optional)').fill('frontdesk')
  await dialog.getByRole('button', { name: 'Create' }).click()
  await expect(dialog).toBeHidden()

  // The viewer watches the Accounts page live; everything its socket receives is recorded.
  const viewerContext = await browser.newContext()
  const viewer = await viewerContext.newPage()
  const frames: string[] = []
  viewer.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))))
  const login = new LoginPage(viewer)
  await login.goto()
  await login.signIn(viewerUser.email, viewerUser.password)
  await expectDashboard(viewer, viewerUser.email)
  await expect(viewer.getByTestId('realtime-status')).toHaveAttribute('data-connected', 'true')

  // The admin starts linking: the admin sees the QR, the viewer only that one is waiting.
  await card(admin, 'frontdesk').getByRole('button', { name: 'Link with QR code' }).click()
  await expect(card(admin, 'frontdesk').getByTestId('qr-image')).toBeVisible()
  await expect(card(viewer, 'frontdesk').getByTestId('status-badge')).toHaveAttribute('data-status', 'qr_ready')
  await expect(card(viewer, 'frontdesk').getByTestId('link-waiting')).toHaveText(/A QR code is waiting to be scanned/)
  await expect(card(viewer, 'frontdesk').getByTestId('qr-image')).toHaveCount(0)
  expect(frames.some((f) => f.includes('"dashboard.account"') && f.includes('qr_ready'))).toBe(true)
  expect(frames.filter((f) => f.includes('dashboard.qr') || f.includes('data:image/png'))).toEqual([])

  // A fresh page load carries no QR either (the page's initial data).
  const html = await (await viewer.request.get('/accounts')).text()
  expect(html).toContain('frontdesk')
  expect(html).not.toContain('data:image/png')
  // Nor does the REST API give it one.
  expect((await viewer.request.get('/api/v1/accounts/frontdesk/qr')).status()).toBe(403)

  // Clean up: the admin deletes the account.
  admin.once('dialog', (d) => void d.accept())
  await card(admin, 'frontdesk').getByRole('button', { name: 'Delete' }).click()
  await expect(card(viewer, 'frontdesk')).toHaveCount(0)
  await viewerContext.close()
  await adminContext.close()
})
