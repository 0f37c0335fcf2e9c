import { expect, test } from '@playwright/test'
import { ADMIN, ADMIN_STATE, expectDashboard } from './fixtures'

test('first run: the browser is sent to the setup page, which creates the first admin and then closes', async ({ page }) => {
  await page.goto('/')
  await expect(page).toHaveURL(/\/setup$/)
  await expect(page.getByRole('heading', { name: 'Welcome' })).toBeVisible()

  // Bad input is refused with a clear message and nothing is created.
  await page.getByLabel('Name').fill(ADMIN.name)
  await page.getByLabel('Email').fill(ADMIN.email)
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password)
  await page.getByLabel('Confirm password').fill('something-else-entirely')
  await page.getByRole('button', { name: 'Create admin account' }).click()
  await expect(page.getByTestId('alert-error')).toHaveText('The two passwords differ.')

  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password)
  await page.getByLabel('Confirm password').fill(ADMIN.password)
  await page.getByRole('button', { name: 'Create admin account' }).click()
  await expectDashboard(page, ADMIN.email)
  await expect(page.getByTestId('realtime-status')).toHaveAttribute('data-connected', 'true')
  await page.context().storageState({ path: ADMIN_STATE })

  // Setup is closed for good now.
  await page.goto('/setup')
  await expect(page).toHaveURL(/\/(login|accounts)/)
})
