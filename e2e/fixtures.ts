import { expect, type Page } from '@playwright/test'
import { phone } from './phone'

export const ADMIN = { name: 'Ada Admin', email: 'admin@example.test', password: 'correct-horse-battery' }
export const ADMIN_STATE = 'reports/.auth/admin.json'

/** Page object for the login form. */
export class LoginPage {
  constructor(private readonly page: Page) {}

  async goto() {
    await this.page.goto('/login')
    await expect(this.page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
  }

  async signIn(email: string, password: string) {
    // The previous attempt's answer resets the form when React commits it; filling before that commit
    // would be wiped (and the empty, required password field would block the submit).
    await expect(this.page.getByRole('button', { name: 'Sign in', exact: true })).toBeEnabled()
    await this.page.getByLabel('Email').fill(email)
    await this.page.getByLabel('Password').fill(password)
    // Wait for the server action's answer, so that each attempt is really made before the next one.
    const answered = this.page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login')
    await this.page.getByRole('button', { name: 'Sign in' }).click()
    await answered
  }

  error() {
    return this.page.getByTestId('alert-error')
  }
}

export async function expectDashboard(page: Page, email: string) {
  await expect(page).toHaveURL(/\/accounts$/)
  await expect(page.getByTestId('current-operator')).toContainText(email)
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible()
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click()
  await expect(page).toHaveURL(/\/login/)
}

/** Page object for the Accounts page's cards. */
/**
 * An account's card in the page's main region. While a page streams in, React keeps the streamed
 * segment in a hidden element outside #main (`<div hidden id="S:0">`) until it swaps it in; a locator
 * over the whole document can then find the card twice.
 */
export const accountCard = (page: Page, id: string) => page.locator(`#main [data-testid="account-card"][data-account-id="${id}"]`)
export const accountBadge = (page: Page, id: string) => accountCard(page, id).getByTestId('status-badge')

export async function createAccountInUi(page: Page, id: string, name: string) {
  await page.getByRole('button', { name: 'Add account' }).click()
  const dialog = page.getByRole('dialog', { name: 'Add a WhatsApp account' })
  await dialog.getByLabel('Display name').fill(name)
  await dialog.getByLabel('Id (optional)').fill(id)
  await dialog.getByRole('button', { name: 'Create' }).click()
  await expect(dialog).toBeHidden()
  await expect(accountBadge(page, id)).toHaveAttribute('data-status', 'disconnected')
}

/**
 * Adds an account and links it to a simulated phone through the REST API with the page's operator
 * session (for specs whose subject is not linking itself).
 */
export async function linkAccountViaApi(page: Page, baseURL: string, account: { id: string; name: string; phone: string }) {
  const headers = { origin: baseURL }
  expect((await page.request.post(`${baseURL}/api/v1/accounts`, { headers, data: { id: account.id, name: account.name } })).status()).toBe(
    201,
  )
  await phone.create(account.phone, account.name)
  expect((await page.request.post(`${baseURL}/api/v1/accounts/${account.id}/connect`, { headers })).ok()).toBe(true)
  let qr = ''
  await expect
    .poll(async () => {
      const res = await page.request.get(`${baseURL}/api/v1/accounts/${account.id}/qr`)
      if (res.ok()) qr = ((await res.json()) as { qr: string }).qr
      return qr
    })
    .not.toBe('')
  await phone.scan(account.phone, qr)
  await expect
    .poll(async () => ((await (await page.request.get(`${baseURL}/api/v1/accounts/${account.id}`)).json()) as { status: string }).status)
    .toBe('connected')
}

export async function addOperatorInUi(page: Page, op: { email: string; role: 'admin' | 'viewer'; password: string }) {
  await page.goto('/operators')
  // Role locators only see what is rendered for the user (a page streamed in can hold a hidden copy).
  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Add operator' }) })
  await form.getByRole('textbox', { name: 'Email' }).fill(op.email)
  await form.getByRole('combobox', { name: 'Role' }).selectOption(op.role)
  await form.getByLabel('Initial password').fill(op.password)
  await page.getByRole('button', { name: 'Add operator' }).click()
  await expect(page.getByText(`Added ${op.email} as ${op.role}.`)).toBeVisible()
}
