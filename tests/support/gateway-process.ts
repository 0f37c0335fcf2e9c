import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs'
import readline from 'node:readline'
import { Contract } from './contract'

export type GatewayProcess = {
  url: string
  port: number
  /** stdout lines and stderr chunks, interleaved as they arrived */
  logs: string[]
  /** stdout, line by line (JSON log lines when stdout is not a terminal) */
  stdout: string[]
  /** stderr, as it arrived */
  stderr: string[]
  child: ChildProcess
  stop(): Promise<number | null>
}

/**
 * Starts the real gateway (`server.ts`, production build) on a free port, exactly as `npm start`
 * runs it, and resolves once it logs "gateway ready".
 */
export async function startGateway(env: Record<string, string>, timeoutMs = 60_000): Promise<GatewayProcess> {
  if (!fs.existsSync('.next/BUILD_ID')) throw new Error('No production build: run `npm run build` first (npm test does).')
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      WA_LOG_LEVEL: 'silent',
      NEXT_TELEMETRY_DISABLED: '1',
      // The tests point WA_WS_URL at the simulator, which production refuses unless told.
      ALLOW_CUSTOM_WA_URL: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logs: string[] = []
  const stdout: string[] = []
  const stderr: string[] = []
  child.stderr.on('data', (d: Buffer) => {
    logs.push(d.toString())
    stderr.push(d.toString())
  })
  const lines = readline.createInterface({ input: child.stdout })
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave a half-started gateway behind: the caller gets no handle to stop it.
      child.kill('SIGKILL')
      reject(new Error(`gateway did not start in ${timeoutMs} ms:\n${logs.join('\n')}`))
    }, timeoutMs)
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}:\n${logs.join('\n')}`)))
    lines.on('line', (line) => {
      logs.push(line)
      stdout.push(line)
      try {
        const rec = JSON.parse(line) as { msg?: string; port?: number }
        if (rec.msg === 'gateway ready' && rec.port) {
          clearTimeout(timer)
          resolve(rec.port)
        }
      } catch {
        // not a JSON log line (Next's own output)
      }
    })
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    logs,
    stdout,
    stderr,
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      return exited
    },
  }
}

const contracts = new Map<string, Promise<Contract>>()

/** The gateway's own OpenAPI document, as a checker of answers (fetched once per server). */
export function contractOf(base: string): Promise<Contract> {
  let c = contracts.get(base)
  if (!c) {
    c = fetch(`${base}/api/v1/openapi.json`)
      .then((r) => r.json())
      .then((doc) => new Contract(doc as ConstructorParameters<typeof Contract>[0]))
    contracts.set(base, c)
  }
  return c
}

/**
 * A minimal HTTP client for the gateway's API. Every answer under /api/v1 is checked against the
 * OpenAPI document the server publishes: an undocumented status or a body that does not match its
 * schema fails the test that received it.
 */
export function apiClient(base: string, headers: Record<string, string> = {}) {
  return async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) => {
    const res = await fetch(base + path, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers, ...extra },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      redirect: 'manual',
    })
    let text: string
    if (res.status === 200 && (res.headers.get('content-type') ?? '').startsWith('text/event-stream') && res.body) {
      // an event stream never ends by itself: check that it opened as one, then hang up
      const reader = res.body.getReader()
      const first = await reader.read()
      await reader.cancel()
      const opening = new TextDecoder().decode(first.value)
      if (!opening.startsWith('retry: ')) throw new Error(`the event stream opened with ${JSON.stringify(opening.slice(0, 80))}`)
      text = ''
    } else text = await res.text()
    let json: unknown = null
    try {
      json = text ? JSON.parse(text) : null
    } catch {
      json = text
    }
    const violation = (await contractOf(base)).check(method, new URL(base + path).pathname, res.status, json)
    if (violation) throw new Error(`answer does not match the OpenAPI document: ${violation.where}: ${violation.problem}`)
    return {
      status: res.status,
      headers: res.headers,
      json: json as Record<string, unknown> & { error?: { code: string; message: string; details?: unknown } },
    }
  }
}

/** Signs an operator in through Auth.js' credentials endpoint; returns the session cookie header. */
export async function signInCookie(base: string, email: string, password: string): Promise<string> {
  const csrfRes = await fetch(`${base}/api/auth/csrf`)
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string }
  const csrfCookie = csrfRes.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
    body: new URLSearchParams({ email, password, csrfToken, callbackUrl: '/' }),
    redirect: 'manual',
  })
  const session = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .find((c) => c?.startsWith('authjs.session-token='))
  if (!session) throw new Error(`sign-in failed for ${email} (status ${res.status})`)
  return session
}

/** Polls an asynchronous check (an API call, say) until it returns a value, or fails naming `what`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Resolves once the account reports `connected` through the API. */
export const accountConnected = (api: ReturnType<typeof apiClient>, id: string, timeoutMs = 30_000) =>
  eventually(async () => (await api('GET', `/api/v1/accounts/${id}`)).json.status === 'connected', timeoutMs, `${id} connected`)

/**
 * Links an account as an operator would through the API: create it, connect, read the QR, and let
 * the simulated phone scan it; resolves once it is connected.
 */
export async function linkAccountByQr(
  api: ReturnType<typeof apiClient>,
  phone: { scan(phone: string, qr: string): Promise<unknown> },
  account: { id: string; phone: string },
): Promise<void> {
  const created = await api('POST', '/api/v1/accounts', { id: account.id, name: account.id })
  if (created.status !== 201) throw new Error(`creating ${account.id}: ${created.status} ${JSON.stringify(created.json)}`)
  const connect = await api('POST', `/api/v1/accounts/${account.id}/connect`)
  if (connect.status >= 300) throw new Error(`connecting ${account.id}: ${connect.status}`)
  const qr = await eventually(
    async () => {
      const res = await api('GET', `/api/v1/accounts/${account.id}/qr`)
      return res.status === 200 ? String(res.json.qr) : undefined
    },
    15_000,
    `a QR for ${account.id}`,
  )
  await phone.scan(account.phone, qr)
  await accountConnected(api, account.id)
}
