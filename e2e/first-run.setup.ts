import fs from 'node:fs'
import path from 'node:path'
import { expect, test } from '@playwright/test'
import { E2E_DATA_DIR } from '../playwright.config'
import { ADMIN, ADMIN_STATE, expectDashboard } from './fixtures'

// This visitor comes through a reverse proxy (the header a proxy adds), so the gateway does not treat
// it as someone on the machine itself: setup needs the one-time token from the server's DATA_DIR/log.
test.use({ extraHTTPHeaders: { 'x-forwarded-for': '203.0.113.7' } })

test('first run: the browser is sent to the setup page, which needs the setup token, creates the first admin and then closes', async ({
  page,
}) => {
  const tokenFile = path.join(E2E_DATA_DIR, 'setup-token')
  const token = fs.readFileSync(tokenFile, 'utf8').trim()
  expect(fs.statSync(tokenFile).mode & 0o777).toBe(0o600)

  await page.goto('/')
  await expect(page).toHaveURL(/\/setup$/)
  await expect(page.getByRole('heading', { name: 'Welcome' })).toBeVisible()

  // Bad input is refused with a clear message and nothing is created.
  await page.getByLabel('Setup token').fill('a-guess-at-the-token')
  await page.getByLabel('Name').fill(ADMIN.name)
  await page.getByLabel('Email').fill(ADMIN.email)
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password)
  await page.getByLabel('Confirm password').fill('something-else-entirely')
  await page.getByRole('button', { name: 'Create admin account' }).click()
  await expect(page.getByTestId('alert-error')).toHaveText('The two passwords differ.')

  // Without the right token nobody can take the gateway over.
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password)
  await page.getByLabel('Confirm password').fill(ADMIN.password)
  await page.getByRole('button', { name: 'Create admin account' }).click()
  await expect(page.getByTestId('alert-error')).toContainText('The setup token is not valid')
  await page.goto('/accounts')
  await expect(page).toHaveURL(/\/setup$/)

  // The address the server logs carries the token, and fills it in.
  await page.goto(`/setup?token=${token}`)
  await expect(page.getByLabel('Setup token')).toHaveValue(token)
  await page.getByLabel('Name').fill(ADMIN.name)
  await page.getByLabel('Email').fill(ADMIN.email)
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password)
  await page.getByLabel('Confirm password').fill(ADMIN.password)
  await page.getByRole('button', { name: 'Create admin account' }).click()
  await expectDashboard(page, ADMIN.email)
  await expect(page.getByTestId('realtime-status')).toHaveAttribute('data-connected', 'true')
  await page.context().storageState({ path: ADMIN_STATE })

  // Setup is closed for good now, and the token is spent.
  expect(fs.existsSync(tokenFile)).toBe(false)
  await page.goto('/setup')
  await expect(page).toHaveURL(/\/(login|accounts)/)
})
