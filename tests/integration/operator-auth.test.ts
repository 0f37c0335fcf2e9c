import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { decode, encode } from 'next-auth/jwt'
import { io as connectSocket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '@/lib/auth/password'
import { closeDb, openDb } from '@/lib/db/client'
import { insertOperator } from '@/lib/db/operators'
import { type GatewayProcess, signInCookie, startGateway } from '../support/gateway-process'

const HOUR = 60 * 60 * 1000
const SESSION_COOKIE = 'authjs.session-token'
const ADMIN = { email: 'admin@example.test', password: 'admin-password-1' }
const VIEWER = { email: 'viewer@example.test', password: 'viewer-password-1' }

let gw: GatewayProcess
let dataDir: string

/** One sign-in attempt through Auth.js' credentials endpoint; resolves to the `code` of its answer. */
async function attempt(email: string, password: string, csrf: { token: string; cookie: string }): Promise<string> {
  const res = await fetch(`${gw.url}/api/auth/callback/credentials`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrf.cookie },
    body: new URLSearchParams({ email, password, csrfToken: csrf.token, callbackUrl: '/' }),
    redirect: 'manual',
  })
  const location = new URL(res.headers.get('location') ?? '/', gw.url)
  if (res.headers.getSetCookie().some((c) => c.startsWith('authjs.session-token='))) return 'signed_in'
  return location.searchParams.get('code') ?? `status ${res.status}`
}

async function csrf(): Promise<{ token: string; cookie: string }> {
  const res = await fetch(`${gw.url}/api/auth/csrf`)
  const { csrfToken } = (await res.json()) as { csrfToken: string }
  return {
    token: csrfToken,
    cookie: res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; '),
  }
}

const get = (p: string, cookie: string) => fetch(gw.url + p, { headers: { cookie }, redirect: 'manual' })

function withDb<T>(fn: (db: ReturnType<typeof openDb>) => T): T {
  const db = openDb(path.join(dataDir, 'gateway.db'), { migrate: false })
  try {
    return fn(db)
  } finally {
    closeDb(db)
  }
}

function failedSignInRows(): { target: string; details: string }[] {
  const db = openDb(path.join(dataDir, 'gateway.db'), { migrate: false })
  try {
    return db.$client.prepare("SELECT target, details FROM audit_log WHERE action = 'operator.login_failed' ORDER BY id").all() as {
      target: string
      details: string
    }[]
  } finally {
    closeDb(db)
  }
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-auth-'))
  gw = await startGateway({ DATA_DIR: dataDir, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password })
  const db = openDb(path.join(dataDir, 'gateway.db'))
  insertOperator({ db, email: VIEWER.email, name: 'Viewer', role: 'viewer', passwordHash: await hashPassword(VIEWER.password) })
  closeDb(db)
}, 90_000)

afterAll(async () => {
  await (gw as GatewayProcess | undefined)?.stop()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('sign-in brute force on the real server', () => {
  it('50 parallel wrong passwords for one email get at most 10 password checks; then even the right one is refused', async () => {
    const token = await csrf()
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => attempt(VIEWER.email, `wrong-password-${i}`, token)))
    const checked = answers.filter((a) => a === 'credentials')
    expect(checked.length).toBeLessThanOrEqual(10)
    expect(answers.filter((a) => a === 'too_many_attempts')).toHaveLength(50 - checked.length)
    // Each password that was checked and failed is in the audit log: at most 10.
    const rows = failedSignInRows().filter((r) => r.target === VIEWER.email)
    expect(rows.length).toBe(checked.length)
    expect(rows.some((r) => (JSON.parse(r.details) as { blockStarted: boolean }).blockStarted)).toBe(true)

    expect(await attempt(VIEWER.email, VIEWER.password, token)).toBe('too_many_attempts')
    // Other emails from the same address are not affected.
    expect(await attempt(ADMIN.email, ADMIN.password, token)).toBe('signed_in')
  })

  it('records failed sign-ins with address and time, and never the raw text of an unknown email', async () => {
    const typedPassword = 'hunter2-typed-into-the-email-field'
    const token = await csrf()
    expect(await attempt(typedPassword, 'whatever', token)).toBe('credentials')
    const last = failedSignInRows().at(-1)!
    expect(last.target).toMatch(/^email#[0-9a-f]{12}$/)
    expect(JSON.parse(last.details)).toMatchObject({ ip: '127.0.0.1', reason: 'unknown_email' })
    const dbFiles = fs.readdirSync(dataDir).filter((f) => f.startsWith('gateway.db'))
    for (const f of dbFiles) expect(fs.readFileSync(path.join(dataDir, f)).includes(typedPassword)).toBe(false)
    expect(gw.logs.join('\n')).not.toContain(typedPassword)

    // Admins see them on the System page; viewers do not.
    const admin = await signInCookie(gw.url, ADMIN.email, ADMIN.password)
    const adminPage = await (await fetch(`${gw.url}/system`, { headers: { cookie: admin } })).text()
    expect(adminPage).toContain('Recent failed sign-ins')
    expect(adminPage).toContain(last.target)
    expect(adminPage).toContain(VIEWER.email)
    const viewerDb = openDb(path.join(dataDir, 'gateway.db'), { migrate: false })
    insertOperator({
      db: viewerDb,
      email: 'viewer2@example.test',
      name: '',
      role: 'viewer',
      passwordHash: await hashPassword('viewer2-password'),
    })
    closeDb(viewerDb)
    const viewer = await signInCookie(gw.url, 'viewer2@example.test', 'viewer2-password')
    const viewerPage = await (await fetch(`${gw.url}/system`, { headers: { cookie: viewer } })).text()
    expect(viewerPage).toContain('System')
    expect(viewerPage).not.toContain('Recent failed sign-ins')
  })
})

describe('operator sessions end on the server', () => {
  it("signing out through Auth.js' own endpoint ends the session: a copied cookie stops working at once", async () => {
    const cookie = await signInCookie(gw.url, ADMIN.email, ADMIN.password)
    expect((await get('/api/v1/accounts', cookie)).status).toBe(200)
    // The dashboard's live connection of that session.
    const socket = connectSocket(gw.url, { transports: ['websocket'], extraHeaders: { origin: gw.url, cookie }, reconnection: false })
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('connect_error', reject)
    })
    let signedOutAt = 0
    const ended = new Promise<{ reason: string; afterMs: number }>((resolve) => {
      socket.once('session:ended', (p: { reason: string }) => {
        socket.once('disconnect', () => resolve({ reason: p.reason, afterMs: Date.now() - signedOutAt }))
      })
    })
    const token = await csrf()
    signedOutAt = Date.now()
    const out = await fetch(`${gw.url}/api/auth/signout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `${cookie}; ${token.cookie}` },
      body: new URLSearchParams({ csrfToken: token.token }),
      redirect: 'manual',
    })
    expect(out.status).toBe(302)
    const { reason, afterMs } = await ended
    expect(reason).toBe('signed_out')
    expect(afterMs).toBeLessThan(1000)
    // The browser dropped its cookie; someone who copied it keeps sending it.
    expect((await get('/api/v1/accounts', cookie)).status).toBe(401)
    expect((await get('/accounts', cookie)).headers.get('location')).toMatch(/\/login/)
    // Other sessions of the same operator go on.
    expect((await get('/api/v1/accounts', await signInCookie(gw.url, ADMIN.email, ADMIN.password))).status).toBe(200)
  })

  it('a sign-in lasts 12 hours from the moment of sign-in: reading /api/auth/session neither extends nor revives it', async () => {
    const secret = fs.readFileSync(path.join(dataDir, 'auth-secret'), 'utf8').trim()
    const cookie = await signInCookie(gw.url, ADMIN.email, ADMIN.password)
    const claims = await decode({ token: cookie.slice(SESSION_COOKIE.length + 1), secret, salt: SESSION_COOKIE })
    const at = Number(claims?.at)
    expect(Math.abs(at - Date.now())).toBeLessThan(60_000)

    // Auth.js re-signs the cookie here; the auth time inside and the expiry it reports stay fixed.
    const res = await fetch(`${gw.url}/api/auth/session`, { headers: { cookie } })
    expect(Date.parse(((await res.json()) as { expires: string }).expires)).toBe(at + 12 * HOUR)
    const reissued = res.headers
      .getSetCookie()
      .find((c) => c.startsWith(`${SESSION_COOKIE}=`))
      ?.split(';')[0]
    expect(reissued).toBeDefined()
    const again = await decode({ token: reissued!.slice(SESSION_COOKIE.length + 1), secret, salt: SESSION_COOKIE })
    expect(again?.at).toBe(at)

    // The same session with an auth time 12 hours back (a cookie kept alive by polling /api/auth/session
    // under the old rolling expiry) is refused everywhere, and Auth.js clears it.
    const stale = `${SESSION_COOKIE}=${await encode({ token: { ...claims, at: Date.now() - 12 * HOUR - 60_000 }, secret, salt: SESSION_COOKIE })}`
    const refused = await fetch(`${gw.url}/api/auth/session`, { headers: { cookie: stale } })
    expect(await refused.json()).toBeNull()
    expect(refused.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=;`))).toBe(true)
    expect((await get('/api/v1/accounts', stale)).status).toBe(401)

    // The server-side session holds the expiry too: past it, even a token with a fresh auth time is refused.
    expect((await get('/api/v1/accounts', cookie)).status).toBe(200)
    withDb((db) => db.$client.prepare('UPDATE operator_sessions SET expires_at = ? WHERE id = ?').run(Date.now() - 1, claims?.sid))
    expect((await get('/api/v1/accounts', cookie)).status).toBe(401)
  })
})
