import fs from 'node:fs'

/** Nothing to start yet besides the gateway (Playwright's webServer); keeps the auth state folder fresh. */
export default function globalSetup(): void {
  fs.rmSync('reports/.auth', { recursive: true, force: true })
  fs.mkdirSync('reports/.auth', { recursive: true })
}
