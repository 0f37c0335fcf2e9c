import crypto from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, type Page, test } from '@playwright/test'
import { accountBadge, accountCard, ADMIN_STATE, createAccountInUi } from './fixtures'
import { decodeQrDataUrl, phone, testPng } from './phone'

test.use({ storageState: ADMIN_STATE })

const QR_PHONE = '15553001'
const PAIR_PHONE = '15553002'
const CONTACT = '15557770100'

const conversation = (page: Page) => page.getByTestId('conversation')
const section = (page: Page, name: string) => page.getByRole('navigation', { name: 'Account sections' }).getByRole('link', { name })
const bubble = (page: Page, text: string) => conversation(page).getByTestId('message').filter({ hasText: text })

// The webhook receiver of the journey's endpoint (loopback, allowed by WEBHOOK_ALLOWED_CIDRS).
const hooks: { type: string; accountId: string }[] = []
const receiver = http.createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    hooks.push(JSON.parse(Buffer.concat(chunks).toString()) as { type: string; accountId: string })
    res.writeHead(204).end()
  })
})
test.beforeAll(() => new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r)))
test.afterAll(() => new Promise<void>((r) => receiver.close(() => r())))

// The operator journey as one story: each step starts from what the previous one left on the screen.
test('operator journey: two accounts linked live (QR and pairing code), a conversation both ways with live ticks and an image, an API key, a webhook whose delivery appears live, a broken connection that heals, logout and delete', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(240_000)
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

  // An image from the chat view: picked, previewed, uploaded and sent with a caption; the contact's
  // phone decrypts exactly these bytes.
  const photo = testPng([220, 80, 40])
  await page.getByRole('button', { name: 'File', exact: true }).click()
  await page.getByLabel('File to send').setInputFiles({ name: 'parcel.png', mimeType: 'image/png', buffer: photo })
  await expect(page.getByTestId('media-preview-name')).toHaveText('parcel.png')
  await expect(page.getByTestId('media-preview-image')).toBeVisible()
  await page.getByLabel('Caption').fill('Your parcel, packed')
  await page.getByRole('button', { name: 'Send file' }).click()
  const sentImage = bubble(page, 'Your parcel, packed')
  await expect(sentImage).toHaveAttribute('data-direction', 'out')
  await expect(sentImage.getByTestId('message-media')).toHaveAttribute('data-kind', 'image')
  await expect
    .poll(async () => (await phone.inbox(CONTACT)).find((m) => m.type === 'image')?.media, { timeout: 30_000 })
    .toMatchObject({
      kind: 'image',
      mimeType: 'image/png',
      sha256: crypto.createHash('sha256').update(photo).digest('hex'),
      caption: 'Your parcel, packed',
      hashMatches: true,
    })
  // Its thumbnail is the image itself, read through the dashboard's session.
  await expect.poll(() => sentImage.getByTestId('message-thumbnail').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(24)
  await page.getByRole('button', { name: 'Text', exact: true }).click()

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

  // A webhook for this account, added on its Webhooks tab; the next message's delivery appears there live.
  await section(page, 'Webhooks').click()
  const hookForm = page.getByRole('form', { name: 'Add a webhook endpoint' })
  await hookForm.getByLabel('URL').fill(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/journey`)
  await hookForm.getByRole('checkbox', { name: /Every event/ }).uncheck()
  await hookForm.getByRole('checkbox', { name: 'message.received' }).check()
  await hookForm.getByRole('button', { name: 'Add endpoint' }).click()
  await expect(page.getByTestId('webhook-secret')).toContainText('whsec_')
  await page.getByRole('button', { name: 'Done' }).click()
  const hookCard = page.getByTestId('account-webhooks')
  await expect(hookCard.getByText('No deliveries')).toBeVisible()
  await phone.sendText(CONTACT, QR_PHONE, 'Can I change the address?')
  await expect(hookCard.getByTestId('delivery')).toHaveCount(1)
  await expect(hookCard.getByTestId('delivery')).toHaveAttribute('data-status', 'delivered')
  await expect(hookCard.getByTestId('delivery')).toContainText('message.received')
  expect(hooks).toEqual([expect.objectContaining({ type: 'message.received', accountId: 'journey-qr' })])

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
