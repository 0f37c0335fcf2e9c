import fs from 'node:fs'
import { expect, test } from '@playwright/test'
import { Webhook } from 'standardwebhooks'
import { startReceiver } from '../tests/support/webhook-receiver'
import { ADMIN_STATE, addOperatorInUi, expectDashboard, LoginPage } from './fixtures'

test('an admin adds an endpoint, sees its secret once, sends a test, reads the delivery and its attempt, and replays it', async ({
  browser,
}) => {
  const rx = await startReceiver()
  rx.on('/hooks/e2e', (_r, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks')
  })
  const { received } = rx
  const url = rx.url('/hooks/e2e')
  const context = await browser.newContext({ storageState: ADMIN_STATE })
  const page = await context.newPage()
  try {
    await page.goto('/webhooks')
    await expect(page.getByRole('heading', { name: 'Webhooks', exact: true })).toBeVisible()
    const form = page.getByRole('form', { name: 'Add a webhook endpoint' })
    await form.getByLabel('URL').fill(url)
    // The event filter: unticking "every event" without choosing a type is refused before any request.
    await form.getByRole('checkbox', { name: /Every event/ }).uncheck()
    await form.getByRole('button', { name: 'Add endpoint' }).click()
    await expect(form.getByText('Choose at least one event type, or every event.')).toBeVisible()
    await expect(page.getByTestId('webhook-secret')).toHaveCount(0)
    await form.getByRole('checkbox', { name: 'message.received' }).check()
    await form.getByRole('checkbox', { name: 'message.status' }).check()
    await form.getByRole('button', { name: 'Add endpoint' }).click()
    const secret = (await page.getByTestId('webhook-secret').textContent()) ?? ''
    expect(secret).toMatch(/^whsec_/)
    await page.getByRole('button', { name: 'Done' }).click()
    await expect(page.getByTestId('webhook-secret')).toHaveCount(0)
    const mine = page.getByRole('navigation', { name: 'Webhook endpoints' }).getByRole('link').filter({ hasText: url })
    await mine.click()
    // (the first endpoint is selected by itself: wait for the click's navigation, not just the mark)
    await expect(page).toHaveURL(/[?&]endpoint=whk_/)
    await expect(mine).toHaveAttribute('aria-current', 'page')
    await expect(page.getByTestId('webhook-settings')).toContainText('every account · message.received, message.status · ordered')
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
    await rx.close()
  }
})

type Envelope = { type: string; accountId: string | null }

test('an admin edits an endpoint: one event type, headers kept, added and removed; no header value ever reaches the browser; a viewer cannot edit', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(90_000)
  const KEPT = 'kept-5ec7e7-value'
  const ADDED = 'added-9b1d04-value'
  const rx = await startReceiver()
  rx.on('/hooks/edit', (_r, res) => {
    res.writeHead(204).end()
  })
  const { received } = rx
  const url = rx.url('/hooks/edit')
  const events = () => received.map((r) => ({ ...(JSON.parse(r.body) as Envelope), headers: r.headers }))
  const context = await browser.newContext({ storageState: ADMIN_STATE })
  const page = await context.newPage()
  // Everything the browser receives: answers (pages, RSC payloads, API) and socket frames.
  const seen: string[] = []
  page.on('response', (r) => {
    if (r.request().method() !== 'OPTIONS')
      r.text().then(
        (t) => seen.push(t),
        () => undefined,
      )
  })
  page.on('websocket', (ws) => ws.on('framereceived', (f) => seen.push(String(f.payload))))
  const origin = baseURL ?? ''
  const api = {
    createAccount: async (id: string) =>
      expect((await page.request.post(`${origin}/api/v1/accounts`, { headers: { origin }, data: { id, name: id } })).status()).toBe(201),
    deleteAccount: async (id: string) =>
      expect((await page.request.delete(`${origin}/api/v1/accounts/${id}`, { headers: { origin } })).ok()).toBe(true),
  }
  try {
    await api.createAccount('hook-edit-a')
    await page.goto('/webhooks')
    // Created with a custom header: the page lists its name only.
    const form = page.getByRole('form', { name: 'Add a webhook endpoint' })
    await form.getByLabel('URL').fill(url)
    await form.getByRole('button', { name: 'Add header' }).click()
    const row = form.getByRole('group', { name: 'New header 1' })
    await row.getByLabel('Header name').fill('X-Kept')
    await row.getByLabel('Header value').fill(KEPT)
    await form.getByRole('button', { name: 'Add endpoint' }).click()
    await expect(page.getByTestId('webhook-secret')).toContainText('whsec_')
    await page.getByRole('button', { name: 'Done' }).click()
    await expect(form.getByRole('group', { name: 'New header 1' })).toHaveCount(0) // the form forgot the value
    const mine = page.getByRole('navigation', { name: 'Webhook endpoints' }).getByRole('link').filter({ hasText: url })
    await mine.click()
    await expect(page).toHaveURL(/[?&]endpoint=whk_/)
    await expect(mine).toHaveAttribute('aria-current', 'page')
    const webhookId = (await mine.getAttribute('data-webhook-id')) ?? ''
    const region = page.getByRole('region', { name: 'Deliveries' })
    const settings = region.getByTestId('webhook-settings')
    await expect(settings).toContainText('every event')
    await expect(settings).toContainText('headers: X-Kept')
    const marker = await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = Date.now()))

    // Edit: the API's refusals appear beside their fields, and nothing is saved.
    await region.getByRole('button', { name: 'Edit', exact: true }).click()
    const dialog = page.getByRole('dialog', { name: 'Edit webhook endpoint' })
    await expect(dialog.getByRole('group', { name: 'Header X-Kept' })).toBeVisible()
    await dialog.getByLabel('URL').fill('http://10.20.30.40/hooks')
    await dialog.getByRole('button', { name: 'Save changes' }).click()
    await expect(dialog.getByTestId('field-error')).toContainText(/not allowed|private/i)
    await dialog.getByLabel('URL').fill(url)
    await dialog.getByRole('button', { name: 'Add header' }).click()
    const added = dialog.getByRole('group', { name: 'New header 1' })
    await added.getByLabel('Header name').fill('Webhook-Signature')
    await added.getByLabel('Header value').fill('forged')
    await dialog.getByRole('button', { name: 'Save changes' }).click()
    await expect(added.getByTestId('field-error')).toContainText('set by the gateway')
    // …and what is saved: one event type, the stored header kept, a new one added.
    await added.getByLabel('Header name').fill('X-Added')
    await added.getByLabel('Header value').fill(ADDED)
    await dialog.getByRole('checkbox', { name: /Every event/ }).uncheck()
    await dialog.getByRole('checkbox', { name: 'account.created' }).check()
    await expect(dialog.getByRole('combobox', { name: 'What to do with X-Kept' })).toHaveValue('keep')
    fs.mkdirSync('reports/screenshots', { recursive: true })
    await page.screenshot({ path: 'reports/screenshots/webhooks-edit-dialog.png', animations: 'disabled' })
    await dialog.getByRole('button', { name: 'Save changes' }).click()
    await expect(dialog).toBeHidden()
    // The change arrives live: no reload.
    await expect(settings).toContainText('account.created ·')
    await expect(settings).toContainText('headers: X-Kept, X-Added')
    expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(marker)

    // A filtered-out type gets no delivery; the kept type does, with both custom headers.
    await api.deleteAccount('hook-edit-a')
    await api.createAccount('hook-edit-b')
    await expect.poll(() => events().filter((e) => e.accountId === 'hook-edit-b').length, { timeout: 15_000 }).toBe(1)
    const b = events().find((e) => e.accountId === 'hook-edit-b')!
    expect(b.type).toBe('account.created')
    expect(b.headers['x-kept']).toBe(KEPT)
    expect(b.headers['x-added']).toBe(ADDED)
    expect(b.headers['webhook-signature']).toMatch(/^v1,/)
    expect(events().filter((e) => e.accountId === 'hook-edit-a')).toEqual([])
    const deliveries = page.getByTestId('delivery')
    await expect(deliveries.filter({ hasText: 'account.created' })).toHaveCount(1)
    await expect(deliveries.filter({ hasText: 'account.deleted' })).toHaveCount(0)
    const dropped = await page.request.get(`${origin}/api/v1/webhooks/${webhookId}/deliveries?eventType=account.deleted`)
    expect(((await dropped.json()) as { data: unknown[] }).data).toEqual([])

    // Removing a header stops it being sent; the kept one goes on.
    await region.getByRole('button', { name: 'Edit', exact: true }).click()
    await expect(dialog.getByRole('checkbox', { name: 'account.created' })).toBeChecked()
    await dialog.getByRole('combobox', { name: 'What to do with X-Added' }).selectOption('remove')
    await dialog.getByRole('button', { name: 'Save changes' }).click()
    await expect(dialog).toBeHidden()
    await expect(settings).toContainText(/headers: X-Kept$/)
    await api.createAccount('hook-edit-c')
    await expect.poll(() => events().filter((e) => e.accountId === 'hook-edit-c').length, { timeout: 15_000 }).toBe(1)
    const c = events().find((e) => e.accountId === 'hook-edit-c')!
    expect(c.headers['x-kept']).toBe(KEPT)
    expect(c.headers['x-added']).toBeUndefined()
    await expect(deliveries.filter({ hasText: 'account.created' })).toHaveCount(2)

    // No header value ever reached the browser: not in the page, its answers or its socket frames.
    await page.reload()
    await expect(settings).toContainText('headers: X-Kept')
    const html = await page.content()
    for (const value of [KEPT, ADDED]) {
      expect(html).not.toContain(value)
      expect(seen.filter((t) => t.includes(value))).toEqual([])
    }
    expect(seen.some((t) => t.includes('X-Kept'))).toBe(true) // what was recorded does hold the endpoint's data

    // A viewer sees no endpoint at all (the API refuses its role webhooks:manage): a notice, no
    // settings, no header names, no Edit control.
    const viewer = { email: 'hooks-viewer@example.test', role: 'viewer' as const, password: 'hooks-viewer-password' }
    await addOperatorInUi(page, viewer)
    const viewerContext = await browser.newContext()
    const viewerPage = await viewerContext.newPage()
    const login = new LoginPage(viewerPage)
    await login.goto()
    await login.signIn(viewer.email, viewer.password)
    await expectDashboard(viewerPage, viewer.email)
    await viewerPage.goto(`/webhooks?endpoint=${webhookId}`)
    await expect(viewerPage.getByTestId('webhooks-admins-only')).toBeVisible()
    await expect(viewerPage.getByTestId('webhook-settings')).toHaveCount(0)
    expect(await viewerPage.content()).not.toContain('X-Kept')
    await expect(viewerPage.getByRole('button', { name: /Edit|Add header/ })).toHaveCount(0)
    await expect(viewerPage.getByRole('dialog')).toHaveCount(0)
    await viewerContext.close()
  } finally {
    for (const id of ['hook-edit-a', 'hook-edit-b', 'hook-edit-c'])
      await page.request.delete(`${origin}/api/v1/accounts/${id}`, { headers: { origin } })
    await context.close()
    await rx.close()
  }
})
