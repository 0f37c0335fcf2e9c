import { type Browser, expect, test } from '@playwright/test'
import { io } from 'socket.io-client'
import { addOperatorInUi, ADMIN, ADMIN_STATE, expectDashboard, LoginPage, signOut } from './fixtures'

async function adminPage(browser: Browser) {
  const context = await browser.newContext({ storageState: ADMIN_STATE })
  return { context, page: await context.newPage() }
}

async function addOperator(browser: Browser, op: { email: string; role: 'admin' | 'viewer'; password: string }) {
  const { context, page } = await adminPage(browser)
  await addOperatorInUi(page, op)
  await expect(page.locator(`[data-testid="operator-row"][data-email="${op.email}"]`).filter({ visible: true })).toBeVisible()
  return { context, page }
}

test('an admin signs out and back in; the signed-out session is dead even for a copy of its cookie', async ({ browser }) => {
  // A sign-in of its own: signing out the shared admin session would end it for the other tests.
  const context = await browser.newContext()
  const page = await context.newPage()
  const login = new LoginPage(page)
  await login.goto()
  await login.signIn(ADMIN.email, ADMIN.password)
  await expectDashboard(page, ADMIN.email)
  const copied = await context.cookies()
  await signOut(page)
  // Signed out: the dashboard is closed again.
  await page.goto('/accounts')
  await expect(page).toHaveURL(/\/login/)
  // Someone who copied the cookie before the sign-out gets nothing with it either.
  const thief = await browser.newContext()
  await thief.addCookies(copied)
  const stolen = await thief.newPage()
  await stolen.goto('/accounts')
  await expect(stolen).toHaveURL(/\/login/)
  expect((await stolen.request.get('/api/v1/accounts')).status()).toBe(401)
  await thief.close()
  await login.signIn(ADMIN.email, ADMIN.password)
  await expectDashboard(page, ADMIN.email)
  await context.close()
})

test('pages never re-issue the session cookie, so a request in flight cannot undo a sign-out', async ({ browser }) => {
  const { context, page } = await adminPage(browser)
  for (const path of ['/accounts', '/operators', '/system']) {
    const res = await page.request.get(path)
    expect(res.status()).toBe(200)
    const cookies = res
      .headersArray()
      .filter((h) => h.name.toLowerCase() === 'set-cookie')
      .map((h) => h.value)
    expect(cookies.filter((c) => c.includes('authjs.session-token'))).toEqual([])
  }
  await context.close()
})

test('a wrong password shows an error and keeps the operator out', async ({ page }) => {
  const login = new LoginPage(page)
  await login.goto()
  await login.signIn(ADMIN.email, 'not-the-password')
  await expect(login.error()).toHaveText('Wrong email or password.')
  await page.goto('/accounts')
  await expect(page).toHaveURL(/\/login/)
})

test('after 10 failed attempts the sign-in is blocked, even with the right password', async ({ browser, page }) => {
  const victim = { email: 'locked@example.test', role: 'viewer' as const, password: 'the-right-password' }
  const admin = await addOperator(browser, victim)
  await admin.context.close()

  const login = new LoginPage(page)
  await login.goto()
  for (let i = 1; i <= 10; i++) {
    await login.signIn(victim.email, `wrong-${i}`)
    await expect(login.error()).toHaveText('Wrong email or password.')
  }
  await login.signIn(victim.email, victim.password)
  await expect(login.error()).toContainText('Too many failed sign-in attempts')
  await expect(page).toHaveURL(/\/login/)

  // The block is per email and address: the admin can still sign in.
  await login.signIn(ADMIN.email, ADMIN.password)
  await expectDashboard(page, ADMIN.email)
})

test('a viewer sees the dashboard but no admin actions', async ({ browser }) => {
  const viewer = { email: 'viewer@example.test', role: 'viewer' as const, password: 'viewer-password-1' }
  const admin = await addOperator(browser, viewer)
  await admin.context.close()

  const context = await browser.newContext()
  const page = await context.newPage()
  const login = new LoginPage(page)
  await login.goto()
  await login.signIn(viewer.email, viewer.password)
  await expectDashboard(page, viewer.email)
  await expect(page.getByTestId('current-operator')).toContainText('viewer')
  await page.goto('/operators')
  await expect(page.locator(`[data-testid="operator-row"][data-email="${ADMIN.email}"]`).filter({ visible: true })).toBeVisible()
  await expect(page.getByRole('heading', { name: 'Add an operator' })).toHaveCount(0)
  await expect(page.getByRole('button', { name: 'Remove' })).toHaveCount(0)
  await expect(page.getByRole('button', { name: 'Disable' })).toHaveCount(0)
  await page.goto('/accounts')
  await expect(page.getByRole('heading', { name: 'Accounts', exact: true })).toBeVisible()
  await expect(page.getByRole('button', { name: 'Add account' })).toHaveCount(0)
  await expect(page.getByRole('button', { name: /Link with|Log out|Delete|Disconnect/ })).toHaveCount(0)
  await context.close()
})

test('disabling an operator ends their open session at once', async ({ browser }) => {
  const op = { email: 'soon-disabled@example.test', role: 'viewer' as const, password: 'temporary-pass-1' }
  const admin = await addOperator(browser, op)

  const context = await browser.newContext()
  const page = await context.newPage()
  const login = new LoginPage(page)
  await login.goto()
  await login.signIn(op.email, op.password)
  await expectDashboard(page, op.email)
  await expect(page.getByTestId('realtime-status')).toHaveAttribute('data-connected', 'true')
  // Watch the dashboard's live connection from the browser's side.
  const frames: string[] = []
  let socketClosed = false
  page.on('websocket', (ws) => {
    ws.on('framereceived', (f) => frames.push(String(f.payload)))
    ws.on('close', () => (socketClosed = true))
  })
  await page.reload()
  await expect(page.getByTestId('realtime-status')).toHaveAttribute('data-connected', 'true')

  admin.page.once('dialog', (d) => void d.accept())
  const row = admin.page.locator(`[data-testid="operator-row"][data-email="${op.email}"]`).filter({ visible: true })
  await row.getByRole('button', { name: 'Disable' }).click()
  await expect(admin.page.getByText(`${op.email} is now disabled.`)).toBeVisible()

  // Nobody touches the disabled operator's tab: the server ends its live connection, and the tab
  // lands on the login page, which says what happened.
  await expect(page).toHaveURL(/\/login\?ended=revoked/, { timeout: 5_000 })
  await expect(page.getByTestId('signed-out-notice')).toContainText('You were signed out')
  expect(frames.some((f) => f.includes('session:ended'))).toBe(true)
  expect(socketClosed).toBe(true)
  await page.goto('/accounts')
  await expect(page).toHaveURL(/\/login/)
  await login.signIn(op.email, op.password)
  await expect(login.error()).toHaveText('Wrong email or password.')
  await context.close()
  await admin.context.close()
})

test('Socket.IO accepts the dashboard session and refuses handshakes without one before opening anything', async ({ baseURL, request }) => {
  const state = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(ADMIN_STATE, 'utf8'))) as {
    cookies: { name: string; value: string }[]
  }
  const cookie = state.cookies.map((c) => `${c.name}=${c.value}`).join('; ')
  const origin = baseURL!

  // Engine.IO's own handshake is refused (403, no session id) unless the session is valid and same-origin.
  const handshake = async (headers: Record<string, string>) => {
    const res = await request.get('/socket.io/?EIO=4&transport=polling', { headers })
    return `${res.status()} ${await res.text()}`
  }
  expect(await handshake({ origin })).toBe('403 {"code":4,"message":"unauthorized"}')
  expect(await handshake({ origin, cookie: 'authjs.session-token=forged' })).toBe('403 {"code":4,"message":"unauthorized"}')
  expect(await handshake({ origin: 'http://evil.example', cookie })).toBe('403 {"code":4,"message":"forbidden"}')
  expect(await handshake({ origin, cookie })).toMatch(/^200 0\{"sid":/)

  const attempt = (headers: Record<string, string>) =>
    new Promise<string>((resolve) => {
      const socket = io(origin, {
        path: '/socket.io',
        transports: ['websocket'],
        extraHeaders: headers,
        reconnection: false,
        timeout: 5000,
      })
      socket.on('connect', () => {
        socket.close()
        resolve('connected')
      })
      socket.on('connect_error', () => {
        socket.close()
        resolve('rejected')
      })
    })
  expect(await attempt({ origin })).toBe('rejected')
  expect(await attempt({ origin: 'http://evil.example', cookie })).toBe('rejected')
  expect(await attempt({ origin, cookie })).toBe('connected')
})

test('every response carries the security headers, and health reports the database', async ({ request }) => {
  const res = await request.get('/api/v1/health')
  expect(res.status()).toBe(200)
  const body = (await res.json()) as { status: string; version: string; uptime: number; db: string }
  const pkg = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync('package.json', 'utf8'))) as { version: string }
  expect(body).toMatchObject({ status: 'ok', db: 'ok', version: pkg.version })
  expect(typeof body.uptime).toBe('number')
  const headers = res.headers()
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'")
  expect(headers['x-content-type-options']).toBe('nosniff')
  expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin')
  const page = await request.get('/login')
  expect(page.headers()['content-security-policy']).toContain("default-src 'self'")
})
