import { expect, type Page, test } from '@playwright/test'
import { ADMIN_STATE } from './fixtures'
import { decodeQrDataUrl, phone } from './phone'

test.use({ storageState: ADMIN_STATE })

const card = (page: Page, id: string) => page.locator(`[data-testid="account-card"][data-account-id="${id}"]`)
const badge = (page: Page, id: string) => card(page, id).getByTestId('status-badge')

async function createAccount(page: Page, id: string, name: string) {
  await page.getByRole('button', { name: 'Add account' }).click()
  const dialog = page.getByRole('dialog', { name: 'Add a WhatsApp account' })
  await dialog.getByLabel('Display name').fill(name)
  await dialog.getByLabel('Id (optional)').fill(id)
  await dialog.getByRole('button', { name: 'Create' }).click()
  await expect(dialog).toBeHidden()
  await expect(badge(page, id)).toHaveAttribute('data-status', 'disconnected')
}

test('link by QR: the QR appears, the phone scans it, the badge turns connected without a reload; then log out', async ({ page }) => {
  await page.goto('/accounts')
  await expect(page.getByTestId('realtime-status')).toHaveAttribute('data-connected', 'true')
  await createAccount(page, 'support', 'Support line')

  await card(page, 'support').getByRole('button', { name: 'Link with QR code' }).click()
  const image = card(page, 'support').getByTestId('qr-image')
  await expect(image).toBeVisible()
  await expect(badge(page, 'support')).toHaveAttribute('data-status', 'qr_ready')
  await expect(card(page, 'support').getByTestId('qr-countdown')).toContainText(/Refreshes in \d+ s/)
  const qr = decodeQrDataUrl((await image.getAttribute('src')) ?? '')
  expect(qr.split(',')).toHaveLength(5) // ref, noise key, identity key, adv secret, platform

  await phone.create('15552001', 'Support phone')
  await phone.scan('15552001', qr)
  await expect(badge(page, 'support')).toHaveAttribute('data-status', 'connected')
  await expect(card(page, 'support').getByTestId('account-phone')).toHaveText('+15552001')
  await expect(card(page, 'support').getByTestId('qr-panel')).toHaveCount(0)

  // Log out: asks first, unlinks the device on the phone, and the card shows it.
  page.once('dialog', (d) => void d.accept())
  await card(page, 'support').getByRole('button', { name: 'Log out' }).click()
  await expect(badge(page, 'support')).toHaveAttribute('data-status', 'logged_out')
  await expect.poll(() => phone.devices('15552001')).toHaveLength(0)
  await expect(card(page, 'support').getByRole('button', { name: 'Link with QR code' })).toBeVisible()
})

test('link by pairing code: the operator gives the phone number and the phone enters the code', async ({ page }) => {
  await page.goto('/accounts')
  await createAccount(page, 'sales', 'Sales')
  await phone.create('15552002', 'Sales phone')
  await card(page, 'sales').getByRole('button', { name: 'Link with pairing code' }).click()
  await card(page, 'sales').getByLabel('Phone number').fill('+1 555 2002')
  await card(page, 'sales').getByRole('button', { name: 'Get code' }).click()
  const code = card(page, 'sales').getByTestId('pairing-code')
  await expect(code).toBeVisible()
  await expect(badge(page, 'sales')).toHaveAttribute('data-status', 'pairing_code_ready')
  const value = (await code.getAttribute('data-code')) ?? ''
  expect(value).toMatch(/^[A-Z0-9]{8}$/)
  await phone.enterPairingCode('15552002', value)
  await expect(badge(page, 'sales')).toHaveAttribute('data-status', 'connected')
  await expect(card(page, 'sales').getByTestId('account-phone')).toHaveText('+15552002')
})

test('a bad pairing phone number shows the API error on the card', async ({ page }) => {
  await page.goto('/accounts')
  await createAccount(page, 'typo', 'Typo')
  await card(page, 'typo').getByRole('button', { name: 'Link with pairing code' }).click()
  await card(page, 'typo').getByLabel('Phone number').fill('12ab')
  await card(page, 'typo').getByRole('button', { name: 'Get code' }).click()
  await expect(card(page, 'typo').getByTestId('alert-error')).toContainText('phone number')
  // Delete asks first and removes the card.
  page.once('dialog', (d) => void d.accept())
  await card(page, 'typo').getByRole('button', { name: 'Delete' }).click()
  await expect(card(page, 'typo')).toHaveCount(0)
})
