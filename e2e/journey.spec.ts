import { expect, type Page, test } from '@playwright/test'
import { accountBadge, accountCard, ADMIN_STATE, createAccountInUi } from './fixtures'
import { decodeQrDataUrl, phone } from './phone'

test.use({ storageState: ADMIN_STATE })

const QR_PHONE = '15553001'
const PAIR_PHONE = '15553002'
const CONTACT = '15557770100'

const conversation = (page: Page) => page.getByTestId('conversation')
const section = (page: Page, name: string) => page.getByRole('navigation', { name: 'Account sections' }).getByRole('link', { name })
const bubble = (page: Page, text: string) => conversation(page).getByTestId('message').filter({ hasText: text })

// The operator journey as one story: each step starts from what the previous one left on the screen.
test('operator journey: two accounts linked live (QR and pairing code), a conversation both ways with live ticks, an API key, a broken connection that heals, logout and delete', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(180_000)
  await page.goto('/accounts')
  await expect(page.getByTestId('realtime-status')).toHaveAttribute('data-connected', 'true')

  // Two accounts.
  await createAccountInUi(page, 'journey-qr', 'Journey QR')
  await createAccountInUi(page, 'journey-pair', 'Journey pairing')

  // One linked by QR: the test reads the QR from the rendered image, like a phone camera.
  await phone.create(QR_PHONE, 'QR phone')
  await accountCard(page, 'journey-qr').getByRole('button', { name: 'Link with QR code' }).click()
  const image = accountCard(page, 'journey-qr').getByTestId('qr-image')
  await expect(image).toBeVisible()
  await phone.scan(QR_PHONE, decodeQrDataUrl((await image.getAttribute('src')) ?? ''))

  // The other by pairing code, chosen under its QR code ("Link with a phone number instead").
  await phone.create(PAIR_PHONE, 'Pairing phone')
  await accountCard(page, 'journey-pair').getByRole('button', { name: 'Link with QR code' }).click()
  await expect(accountCard(page, 'journey-pair').getByTestId('qr-image')).toBeVisible()
  await accountCard(page, 'journey-pair').getByRole('button', { name: 'Link with a phone number instead' }).click()
  await accountCard(page, 'journey-pair').getByLabel('Phone number').fill(`+${PAIR_PHONE}`)
  await accountCard(page, 'journey-pair').getByRole('button', { name: 'Get code' }).click()
  const code = accountCard(page, 'journey-pair').getByTestId('pairing-code')
  await expect(code).toBeVisible()
  await phone.enterPairingCode(PAIR_PHONE, (await code.getAttribute('data-code')) ?? '')

  // Both connected, live, without a reload.
  await expect(accountBadge(page, 'journey-qr')).toHaveAttribute('data-status', 'connected')
  await expect(accountBadge(page, 'journey-pair')).toHaveAttribute('data-status', 'connected')
  await expect(accountCard(page, 'journey-qr').getByTestId('account-phone')).toHaveText(`+${QR_PHONE}`)
  await expect(page.getByTestId('toast-success').first()).toBeVisible()

  // The state filter narrows the cards.
  await page.getByLabel('Filter by state').selectOption('connected')
  await expect(accountCard(page, 'journey-qr')).toBeVisible()
  await page.getByLabel('Filter by state').selectOption('failed')
  await expect(accountCard(page, 'journey-qr')).toHaveCount(0)
  await page.getByLabel('Filter by state').selectOption('all')

  // The chat view: a new conversation with a contact, who reads what arrives.
  await phone.create(CONTACT, 'Carol')
  await phone.setReceipts(CONTACT, { delivery: true, read: true, delayMs: 300 })
  await accountCard(page, 'journey-qr').getByTestId('account-open').click()
  await expect(page).toHaveURL(/\/accounts\/journey-qr/)
  await page.getByLabel('New chat with phone number').fill(`+${CONTACT}`)
  await page.getByRole('button', { name: 'Open', exact: true }).click()
  await page.getByLabel('Message text').fill('Hello Carol, your order shipped')
  await page.getByRole('button', { name: 'Send', exact: true }).click()
  await expect(bubble(page, 'Hello Carol, your order shipped')).toHaveAttribute('data-direction', 'out')
  await expect.poll(async () => (await phone.inbox(CONTACT)).some((m) => m.text === 'Hello Carol, your order shipped')).toBe(true)

  // Ticks change live: sent → delivered → read, from the contact's receipts.
  await expect(bubble(page, 'Hello Carol, your order shipped')).toHaveAttribute('data-status', 'read')
  await expect(bubble(page, 'Hello Carol, your order shipped').getByTestId('message-ticks')).toHaveAttribute('aria-label', 'Status: read')

  // The contact answers: it appears without a reload.
  await phone.sendText(CONTACT, QR_PHONE, 'Thanks! When does it arrive?')
  await expect(bubble(page, 'Thanks! When does it arrive?')).toHaveAttribute('data-direction', 'in')

  // The contact reacts to our message, fixes a typo in one of its own and deletes another: all live.
  const ours = (await phone.inbox(CONTACT)).find((m) => m.text === 'Hello Carol, your order shipped')
  await phone.send(CONTACT, { type: 'reaction', to: QR_PHONE, targetId: ours?.id, emoji: '👍' })
  await expect(bubble(page, 'Hello Carol, your order shipped').getByTestId('message-reactions')).toHaveText('👍')
  const typo = await phone.sendText(CONTACT, QR_PHONE, 'Is it insured tooo?')
  await expect(bubble(page, 'Is it insured tooo?')).toBeVisible()
  await phone.send(CONTACT, { type: 'edit', to: QR_PHONE, targetId: typo.id, text: 'Is it insured too?' })
  await expect(bubble(page, 'Is it insured too?').getByTestId('message-edited')).toBeVisible()
  const oops = await phone.sendText(CONTACT, QR_PHONE, 'wrong chat, sorry')
  await expect(bubble(page, 'wrong chat, sorry')).toBeVisible()
  await phone.send(CONTACT, { type: 'delete', to: QR_PHONE, targetId: oops.id })
  await expect(conversation(page).getByTestId('message-deleted')).toHaveCount(1)
  await expect(bubble(page, 'wrong chat, sorry')).toHaveCount(0)

  // A reply quotes the answer.
  await bubble(page, 'Thanks! When does it arrive?').getByRole('button', { name: 'Reply to this message' }).click()
  await expect(page.getByTestId('reply-preview')).toContainText('When does it arrive?')
  await page.getByLabel('Message text').fill('Tomorrow morning')
  await page.getByLabel('Message text').press('Enter')
  await expect(bubble(page, 'Tomorrow morning').getByTestId('message-quote')).toContainText('When does it arrive?')

  // Search across the account's messages.
  await page.getByLabel('Search messages').fill('order shipped')
  await page.getByRole('button', { name: 'Search', exact: true }).click()
  await expect(page.getByTestId('search-result')).toHaveCount(1)
  await expect(page.getByTestId('search-result')).toContainText('Hello Carol')

  // The status timeline lists every change with its reason.
  await section(page, 'Status timeline').click()
  await expect(page.getByTestId('timeline-entry').first()).toHaveAttribute('data-status', 'connected')
  await expect(page.getByTestId('timeline-entry').filter({ hasText: 'scan the QR code' })).not.toHaveCount(0)

  // An API key for this account, created here and used by a program.
  await section(page, 'API keys').click()
  await page.getByLabel('Name', { exact: true }).fill('Journey CRM')
  await page.getByRole('checkbox', { name: /accounts:read/ }).check()
  await page.getByRole('button', { name: 'Create key' }).click()
  const key = (await page.getByTestId('new-key-value').textContent()) ?? ''
  expect(key).toMatch(/^wag_/)
  const own = await page.request.get(`${baseURL}/api/v1/accounts/journey-qr`, { headers: { authorization: `Bearer ${key}` } })
  expect(own.status()).toBe(200)
  expect(((await own.json()) as { status: string }).status).toBe('connected')
  const other = await page.request.get(`${baseURL}/api/v1/accounts/journey-pair`, { headers: { authorization: `Bearer ${key}` } })
  expect(other.status()).toBe(404) // an account key does not even learn that other accounts exist

  // The simulator breaks the connection: reconnecting, then connected again, live.
  await section(page, 'Chats').click()
  const [device] = await phone.devices(QR_PHONE)
  await phone.breakConnection(QR_PHONE, device?.deviceId ?? 0, 'stream_error_503')
  const status = page.getByTestId('account-card').getByTestId('status-badge')
  await expect(status).toHaveAttribute('data-status', 'reconnecting')
  await expect(status).toHaveAttribute('data-status', 'connected', { timeout: 30_000 })
  // The timeline kept the episode, with WhatsApp's reason.
  await section(page, 'Status timeline').click()
  await expect(page.getByTestId('timeline-entry').filter({ hasText: 'retrying in' }).first()).toHaveAttribute('data-status', 'reconnecting')

  // Log out (confirmed), then delete (confirmed): the account page says it is gone.
  page.on('dialog', (d) => void d.accept())
  await page.getByTestId('account-card').getByRole('button', { name: 'Log out' }).click()
  await expect(status).toHaveAttribute('data-status', 'logged_out')
  await expect.poll(() => phone.devices(QR_PHONE)).toHaveLength(0)
  await page.getByTestId('account-card').getByRole('button', { name: 'Delete' }).click()
  await expect(page.getByTestId('account-deleted')).toBeVisible()
  await page.goto('/accounts')
  await expect(accountCard(page, 'journey-qr')).toHaveCount(0)
  await expect(accountBadge(page, 'journey-pair')).toHaveAttribute('data-status', 'connected')
})
