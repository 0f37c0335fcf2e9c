import { expect, type Page, test } from '@playwright/test'
import { startReceiver } from '../tests/support/webhook-receiver'
import { ADMIN_STATE, linkAccountViaApi } from './fixtures'
import { phone } from './phone'

const ACCOUNT = { id: 'monitored-shop', name: 'Monitored shop', phone: '15554301' }
const CONTACT = '15557770301'

type Envelope = { id: string; type: string; accountId: string | null; timestamp: string; data: { message?: { text?: string } } }

/** The JSON the monitor shows for one event (its inspect panel). */
async function monitorJson(page: Page, id: string): Promise<unknown> {
  const row = page.locator(`[data-testid="monitor-event"][data-id="${id}"]`)
  await row.getByRole('button').click()
  await expect(page.getByTestId('event-json')).toContainText(id)
  return JSON.parse((await page.getByTestId('event-json').textContent()) ?? '') as unknown
}

test('the monitor shows what a webhook endpoint receives: the same event, type and body, stored ones first, then live ones', async ({
  browser,
  baseURL,
}) => {
  const rx = await startReceiver()
  const context = await browser.newContext({ storageState: ADMIN_STATE })
  const page = await context.newPage()
  try {
    await page.goto('/accounts')
    await linkAccountViaApi(page, baseURL ?? '', ACCOUNT)
    await phone.create(CONTACT, 'Mo')
    const hook = await page.request.post(`${baseURL}/api/v1/webhooks`, {
      headers: { origin: baseURL ?? '' },
      data: { url: rx.url('/hooks/monitor'), accountId: ACCOUNT.id, events: ['message.received'] },
    })
    expect(hook.status()).toBe(201)
    const bodies = () => rx.at('/hooks/monitor').map((r) => r.body)

    // Before the monitor is open: the endpoint receives the message…
    await phone.sendText(CONTACT, ACCOUNT.phone, 'Before the monitor opened')
    await expect.poll(() => bodies().length, { timeout: 15_000 }).toBe(1)
    const before = JSON.parse(bodies()[0]!) as Envelope
    expect(before).toMatchObject({
      type: 'message.received',
      accountId: ACCOUNT.id,
      data: { message: { text: 'Before the monitor opened' } },
    })
    // …and the monitor opens with it: in the page as the server rendered it, before any live update
    expect(await (await page.request.get('/events')).text()).toContain(before.id)
    await page.goto('/events')
    const row = page.locator(`[data-testid="monitor-event"][data-id="${before.id}"]`)
    await expect(row).toHaveAttribute('data-type', 'message.received')
    expect(await monitorJson(page, before.id)).toEqual(before)

    // With the monitor open: the next message arrives live, as the endpoint received it.
    await expect(page.getByTestId('realtime-status')).toHaveAttribute('data-connected', 'true')
    await phone.sendText(CONTACT, ACCOUNT.phone, 'While the monitor watched')
    await expect.poll(() => bodies().length, { timeout: 15_000 }).toBe(2)
    const live = JSON.parse(bodies()[1]!) as Envelope
    await expect(page.locator(`[data-testid="monitor-event"][data-id="${live.id}"]`)).toHaveAttribute('data-type', 'message.received')
    expect(await monitorJson(page, live.id)).toEqual(live)
    // newest first, each once
    const ids = await page.getByTestId('monitor-event').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')))
    expect(ids.indexOf(live.id)).toBeLessThan(ids.indexOf(before.id))
    expect(new Set(ids).size).toBe(ids.length)
  } finally {
    await context.close()
    await rx.close()
  }
})
