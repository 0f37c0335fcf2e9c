import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { expect, test } from '@playwright/test'
import { type GatewayProcess, startGateway } from '../tests/support/gateway-process'
import { ADMIN_STATE, LoginPage } from './fixtures'
import { E2E_SIM_PORT } from './global-setup'
import { startNginx, type Nginx } from './nginx'
import { decodeQrDataUrl, phone } from './phone'

/**
 * docs/deployment.md, proved: the gateway behind a real nginx (the guide's configuration, without
 * TLS), trusting forwarding headers only from nginx's address (TRUST_PROXY=<proxy address>): sign-in,
 * a live QR and a status change over Socket.IO's WebSocket through the proxy, and the audit log
 * records the client address nginx saw — not one the browser forged in X-Forwarded-For, and not
 * nginx's own socket address. A client that reaches the same gateway directly and forges the header
 * is not believed.
 */

const OPERATOR = { email: 'ops@example.test', password: 'proxy-operator-password' }
const FORGED = '203.0.113.66'
// nginx connects to the gateway from this address (proxy_bind): the gateway's socket sees it, and must not record it.
const PROXY_SOURCE = '127.0.0.3'
const PROXIED_KEY = 'e2e-proxied-gateway-key-0123456789abcdef'

let gateway: GatewayProcess | undefined
let nginx: Nginx | undefined
let dataDir = ''

test.describe('behind nginx', () => {
  // The browser forges the header a proxy would add; nginx appends the address it really saw.
  test.use({ extraHTTPHeaders: { 'x-forwarded-for': FORGED } })

  test.beforeAll(async () => {
    test.setTimeout(120_000)
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-proxied-'))
    gateway = await startGateway({
      DATA_DIR: dataDir,
      // forwarding headers count only from nginx (it connects from PROXY_SOURCE)
      TRUST_PROXY: PROXY_SOURCE,
      GATEWAY_API_KEY: PROXIED_KEY,
      WA_WS_URL: `ws://127.0.0.1:${E2E_SIM_PORT}/ws/chat`,
      ADMIN_EMAIL: OPERATOR.email,
      ADMIN_PASSWORD: OPERATOR.password,
    })
    nginx = await startNginx(gateway.port, { bindFrom: PROXY_SOURCE })
  })

  test.afterAll(async () => {
    await nginx?.stop()
    await gateway?.stop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  test('sign-in, a live QR and the status change over Socket.IO through nginx; the audit log has the address nginx saw', async ({
    page,
  }) => {
    const proxy = nginx?.url ?? ''
    // what arrives over the page's WebSockets (Socket.IO's frames), by socket URL
    const frames: { url: string; payload: string }[] = []
    page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push({ url: ws.url(), payload: String(f.payload) })))
    await page.goto(`${proxy}/login`)
    await new LoginPage(page).signIn(OPERATOR.email, OPERATOR.password)
    await expect(page).toHaveURL(`${proxy}/accounts`)
    await expect(page.getByTestId('realtime-status')).toHaveAttribute('data-connected', 'true')

    await page.getByRole('button', { name: 'Add account' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add a WhatsApp account' })
    await dialog.getByLabel('Display name').fill('Proxied')
    await dialog.getByLabel('Id (optional)').fill('proxied')
    await dialog.getByRole('button', { name: 'Create' }).click()
    const card = page.locator('[data-testid="account-card"][data-account-id="proxied"]')
    const badge = card.getByTestId('status-badge')
    await expect(badge).toHaveAttribute('data-status', 'disconnected')

    await card.getByRole('button', { name: 'Link with QR code' }).click()
    const image = card.getByTestId('qr-image')
    await expect(image).toBeVisible()
    await expect(badge).toHaveAttribute('data-status', 'qr_ready')
    const qr = decodeQrDataUrl((await image.getAttribute('src')) ?? '')
    await phone.create('15559301', 'Proxied phone')
    await phone.scan('15559301', qr)
    // no reload: the status change arrives as a Socket.IO event
    await expect(badge).toHaveAttribute('data-status', 'connected')

    // …over a WebSocket through nginx, not the long-polling fallback
    const proxyWs = `ws://127.0.0.1:${nginx?.port}/socket.io/`
    expect(
      frames.some(
        (f) =>
          f.url.startsWith(proxyWs) &&
          f.url.includes('transport=websocket') &&
          f.payload.includes('proxied') &&
          f.payload.includes('connected'),
      ),
    ).toBe(true)
    const log = nginx?.accessLog() ?? []

    // what nginx saw: the browser's address, with the forged value before it in the header it received
    const created = log.find((l) => l.includes('"POST /api/v1/accounts HTTP/1.1"'))
    expect(created).toMatch(new RegExp(`^127\\.0\\.0\\.1 "${FORGED.replace(/\./g, '\\.')}" `))
    const seenByProxy = created?.split(' ')[0]

    const audit = await page.request.get(`${proxy}/api/v1/audit?action=account.create&target=proxied`)
    expect(audit.status()).toBe(200)
    const entries = ((await audit.json()) as { data: { ip: string | null; actor: string }[] }).data
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatchObject({ actor: OPERATOR.email, ip: seenByProxy })
    expect(entries[0]?.ip).not.toBe(FORGED)
    expect(entries[0]?.ip).not.toBe(PROXY_SOURCE)

    // nginx logs the upgraded request (101) once the WebSocket closes
    await page.close()
    await expect
      .poll(() => (nginx?.accessLog() ?? []).some((l) => /"GET \/socket\.io\/\?[^"]*transport=websocket[^"]*" 101$/.test(l)))
      .toBe(true)
  })

  test('a client that reaches the proxied gateway directly and forges X-Forwarded-For is not believed', async ({ request }) => {
    const base = gateway?.url ?? ''
    const auth = { authorization: `Bearer ${PROXIED_KEY}` }
    const res = await request.post(`${base}/api/v1/accounts`, {
      headers: { ...auth, 'x-forwarded-for': FORGED },
      data: { id: 'around-proxy', name: 'Around the proxy' },
    })
    expect(res.status()).toBe(201)
    const audit = await request.get(`${base}/api/v1/audit?action=account.create&target=around-proxy`, { headers: auth })
    const entries = ((await audit.json()) as { data: { ip: string | null }[] }).data
    expect(entries).toHaveLength(1)
    // the address of the socket (this test's, on loopback), not the forged one nor anything nginx would add
    expect(entries[0]?.ip).toBe('127.0.0.1')
  })
})

test.describe('without the proxy', () => {
  test.use({ storageState: ADMIN_STATE })

  test('a direct request that forges X-Forwarded-For is not believed by a gateway without TRUST_PROXY', async ({ page, baseURL }) => {
    // The suite's own gateway (playwright.config.ts): TRUST_PROXY unset, as an installation without a proxy runs.
    const res = await page.request.post(`${baseURL}/api/v1/accounts`, {
      headers: { origin: baseURL ?? '', 'x-forwarded-for': FORGED },
      data: { id: 'forged-xff', name: 'Forged' },
    })
    expect(res.status()).toBe(201)
    const audit = await page.request.get(`${baseURL}/api/v1/audit?action=account.create&target=forged-xff`)
    const entries = ((await audit.json()) as { data: { ip: string | null }[] }).data
    expect(entries).toHaveLength(1)
    expect(entries[0]?.ip).toBe('127.0.0.1')
    expect((await page.request.delete(`${baseURL}/api/v1/accounts/forged-xff`, { headers: { origin: baseURL ?? '' } })).status()).toBe(204)
  })
})
