import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, test } from '@playwright/test'
import { Webhook } from 'standardwebhooks'
import { ADMIN_STATE } from './fixtures'

type Got = { headers: http.IncomingHttpHeaders; body: string }

test('an admin adds an endpoint, sees its secret once, sends a test, reads the delivery and its attempt, and replays it', async ({
  browser,
}) => {
  const received: Got[] = []
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() })
      res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks')
    })
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/e2e`
  const context = await browser.newContext({ storageState: ADMIN_STATE })
  const page = await context.newPage()
  try {
    await page.goto('/webhooks')
    await expect(page.getByRole('heading', { name: 'Webhooks', exact: true })).toBeVisible()
    const form = page.getByRole('form', { name: 'Add a webhook endpoint' })
    await form.getByLabel('URL').fill(url)
    await form.getByLabel(/^Events/).fill('message.received, message.status')
    await form.getByRole('button', { name: 'Add endpoint' }).click()
    const secret = (await page.getByTestId('webhook-secret').textContent()) ?? ''
    expect(secret).toMatch(/^whsec_/)
    await page.getByRole('button', { name: 'Done' }).click()
    await expect(page.getByTestId('webhook-secret')).toHaveCount(0)
    const mine = page.getByRole('navigation', { name: 'Webhook endpoints' }).getByRole('link').filter({ hasText: url })
    await mine.click()
    await expect(mine).toHaveAttribute('aria-current', 'page')
    const endpointUrl = page.url()

    await page.getByRole('button', { name: 'Send test' }).click()
    await expect.poll(() => received.length, { timeout: 15_000 }).toBe(1)
    const first = received[0]!
    const event = new Webhook(secret).verify(first.body, first.headers as Record<string, string>) as { type: string }
    expect(event.type).toBe('webhook.test')

    // The delivery and its attempt appear live, as the receiver answered it: no reload, no polling.
    await expect(page.getByTestId('delivery').first()).toHaveAttribute('data-status', 'delivered')
    expect(page.url()).toBe(endpointUrl)
    const delivery = page.getByTestId('delivery').first()
    await delivery.locator('summary').click()
    await expect(delivery).toContainText('HTTP 200')
    await expect(delivery).toContainText('thanks')
    await expect(delivery).toContainText(`webhook-id ${String(first.headers['webhook-id'])}`)

    // Replay: the same webhook-id, a fresh signature; the second attempt joins the row live.
    await delivery.getByRole('button', { name: 'Replay' }).click()
    await expect.poll(() => received.length, { timeout: 15_000 }).toBe(2)
    await expect(delivery).toContainText('2 attempts')
    const second = received[1]!
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id'])
    expect(() => new Webhook(secret).verify(second.body, second.headers as Record<string, string>)).not.toThrow()

    // A delivery caused elsewhere (a program calling the API) appears on the open page by itself,
    // first pending or straight away delivered, then with its attempt: nothing is reloaded.
    const webhookId = (await mine.getAttribute('data-webhook-id')) ?? ''
    const marker = await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = Date.now()))
    const api = await page.request.post(`/api/v1/webhooks/${webhookId}/test`, { headers: { origin: new URL(page.url()).origin } })
    expect(api.status()).toBe(202)
    await expect(page.getByTestId('delivery')).toHaveCount(2)
    await expect(page.getByTestId('delivery').first()).toHaveAttribute('data-status', 'delivered')
    await expect(page.getByTestId('delivery').first()).toContainText('1 attempt · HTTP 200')
    await expect(mine.getByTestId('webhook-last-success')).not.toContainText('—')
    expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(marker) // same document
    await expect.poll(() => received.length, { timeout: 15_000 }).toBe(3)

    // Filters narrow the list.
    await page.goto(endpointUrl)
    await page.getByRole('combobox', { name: 'Status' }).selectOption('failed')
    await page.getByRole('button', { name: 'Filter' }).click()
    await expect(page).toHaveURL(/status=failed/)
    await expect(page.getByTestId('delivery')).toHaveCount(0)
    await expect(page.getByText('No deliveries').first()).toBeVisible()
    await page.getByRole('combobox', { name: 'Status' }).selectOption('delivered')
    await page.getByRole('button', { name: 'Filter' }).click()
    await expect(page.getByTestId('delivery')).toHaveCount(2)
  } finally {
    await context.close()
    await new Promise((r) => receiver.close(r))
  }
})
