import crypto from 'node:crypto'
import fs from 'node:fs'
import https from 'node:https'
import net, { type AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Simulator, startSimulator } from '../../sim'
import { issueServerCertificate, loadOrCreateCa } from '../../sim/media/tls'
import { apiClient, type GatewayProcess, signInCookie, startGateway } from '../support/gateway-process'

/**
 * A hostile contact's media against the production server: the message names a loopback listener (an
 * HTTPS server answering 404 that counts TCP connections), a host name that is not WhatsApp's, or no
 * hashes, or WhatsApp's own host answers without end. Each is tried by eager download (MEDIA_EAGER_DOWNLOAD), by the API download and by the dashboard's
 * thumbnail (the same route with an operator session). The listener must never see a connection,
 * the sender is never asked for a re-upload, and nothing is left in the media folder.
 * MEDIA_ALLOWED_CIDRS lets the address guard reach loopback (the simulator lives there), so only the
 * host allow-list stands between the listener and the gateway — which is what is tested.
 */
const KEY = 'test-gateway-api-key-0123456789abcdef'
const ADMIN = { email: 'admin@example.test', password: 'admin-password-1' }
const PHONE = '4915100000351'
const EVE = '15550000351'
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]),
  crypto.randomBytes(6000),
])

let sim: Simulator
let gw: GatewayProcess
let dataDir: string
let listener: https.Server
let listenerPort = 0
let operatorCookie = ''
const connections: string[] = []
const auth = { authorization: `Bearer ${KEY}` }
const api = () => apiClient(gw.url, auth)

type Answer = { status: number; code: string | undefined }

async function getMedia(waId: string, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(`${gw.url}/api/v1/accounts/shop/messages/${waId}/media`, { headers })
  const text = await res.text()
  let code: string | undefined
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code
  } catch {
    code = undefined
  }
  return { status: res.status, code }
}

/** Waits until the message is logged (the media route stops answering 404 not_found for it). */
async function loggedAnswer(waId: string): Promise<Answer> {
  for (let i = 0; i < 100; i++) {
    const answer = await getMedia(waId, auth)
    if (answer.status !== 404) return answer
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`message ${waId} was never logged`)
}

/** The gateway's warning that it refused a message's media (eager download logs it on arrival). */
async function refusalLogged(waId: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    for (const line of gw.logs) {
      if (!line.includes(waId)) continue
      try {
        const rec = JSON.parse(line) as Record<string, unknown>
        if (typeof rec.msg === 'string' && rec.msg.startsWith('received media refused') && rec.waMessageId === waId) return rec
      } catch {
        // not JSON
      }
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`no refusal logged for ${waId}`)
}

beforeAll(async () => {
  // answers 404 to anything, with a certificate the gateway trusts: on a download it would make the
  // gateway ask the sender for a re-upload, telling the sender what the probed address answered
  const cert = issueServerCertificate(loadOrCreateCa())
  listener = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (_req, res) => res.writeHead(404).end())
  listener.on('connection', (sock: net.Socket) => connections.push(`${sock.remoteAddress}:${sock.remotePort}`))
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r))
  listenerPort = (listener.address() as AddressInfo).port
  sim = await startSimulator({ port: 0 })
  sim.createUser({ phone: EVE, name: 'Eve' })
  sim.createUser({ phone: PHONE, name: 'Shop' })
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-media-hostile-'))
  gw = await startGateway({
    DATA_DIR: dataDir,
    WA_WS_URL: sim.wsUrl,
    GATEWAY_API_KEY: KEY,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    NODE_EXTRA_CA_CERTS: sim.caPath,
    MEDIA_ALLOWED_CIDRS: '127.0.0.1/32',
    MEDIA_EAGER_DOWNLOAD: '1',
    MEDIA_MAX_IMAGE_BYTES: '100000',
  })
  expect((await api()('POST', '/api/v1/accounts', { id: 'shop', name: 'Shop' })).status).toBe(201)
  expect((await api()('POST', '/api/v1/accounts/shop/connect')).status).toBeLessThan(300)
  let code = ''
  for (let i = 0; i < 100 && !code; i++) {
    const res = await api()('GET', '/api/v1/accounts/shop/qr')
    if (res.status === 200) code = String(res.json.qr)
    else await new Promise((r) => setTimeout(r, 100))
  }
  await sim.scan(PHONE, code)
  for (let i = 0; i < 200; i++) {
    if ((await api()('GET', '/api/v1/accounts/shop')).json.status === 'connected') break
    await new Promise((r) => setTimeout(r, 100))
  }
  operatorCookie = await signInCookie(gw.url, ADMIN.email, ADMIN.password)
}, 120_000)

afterAll(async () => {
  await gw.stop()
  await sim.close()
  listener.closeAllConnections()
  listener.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

const mediaFiles = () => {
  const root = path.join(dataDir, 'media')
  const out: string[] = []
  for (const sub of ['cache', 'tmp']) {
    const dir = path.join(root, sub)
    if (fs.existsSync(dir))
      out.push(
        ...fs
          .readdirSync(dir, { recursive: true, withFileTypes: true })
          .filter((d) => d.isFile())
          .map((d) => d.name),
      )
  }
  return out
}

describe('received media is fetched from WhatsApp and nowhere else', () => {
  const refusedIds: string[] = []

  const hostile = () =>
    [
      {
        name: 'a url at a loopback listener (no direct path)',
        override: { url: `https://127.0.0.1:${listenerPort}/v/t62/x.enc`, directPath: '' },
        code: 'media_url_forbidden',
      },
      {
        name: 'a non-WhatsApp host name in front of a real direct path',
        override: { url: `https://localhost:${listenerPort}/v/t62/x.enc` },
        code: 'media_url_forbidden',
      },
      {
        name: 'a direct path that names another authority',
        override: { directPath: `//127.0.0.1:${listenerPort}/v/t62/x.enc` },
        code: 'media_url_forbidden',
      },
      {
        name: 'no hashes, pointing at the listener',
        override: { url: `https://127.0.0.1:${listenerPort}/v/t62/x.enc`, directPath: '', omitHashes: true as const },
        code: 'media_unverifiable',
      },
    ] as const

  it('refuses each by eager download, API download and dashboard thumbnail without connecting, and logs who sent it', async () => {
    const ids: string[] = []
    for (const c of hostile()) {
      const { id } = await sim.sendMedia(EVE, { type: 'image', to: PHONE, data: JPEG, mimeType: 'image/jpeg', override: c.override })
      ids.push(id)
      // eager download runs as the message arrives: its refusal is logged with the account and message
      const logged = await refusalLogged(id)
      expect(logged, c.name).toMatchObject({ level: 40, accountId: 'shop', waMessageId: id, code: c.code })
      expect(typeof logged.messageId).toBe('string')
      // the API download
      expect(await loggedAnswer(id), c.name).toEqual({ status: 422, code: c.code })
      // the chat view's thumbnail and download link: the same route with the operator's session
      expect(await getMedia(id, { cookie: operatorCookie }), c.name).toEqual({ status: 422, code: c.code })
    }
    expect(connections).toEqual([])
    expect(sim.stats().media).toMatchObject({ reuploads: 0, retryRequests: 0 })
    expect(mediaFiles()).toEqual([])
    refusedIds.push(...ids)
  }, 60_000)

  it("refuses media without hashes even on WhatsApp's own host: the host is never asked", async () => {
    const before = sim.stats().media.downloads
    const { id } = await sim.sendMedia(EVE, {
      type: 'image',
      to: PHONE,
      data: JPEG,
      mimeType: 'image/jpeg',
      override: { omitHashes: true },
    })
    await refusalLogged(id)
    expect(await loggedAnswer(id)).toEqual({ status: 422, code: 'media_unverifiable' })
    expect(sim.stats().media.downloads).toBe(before)
  })

  it("cuts an endless body from WhatsApp's host at the declared length and leaves no file", async () => {
    const { id } = await sim.sendMedia(EVE, {
      type: 'image',
      to: PHONE,
      data: JPEG,
      mimeType: 'image/jpeg',
      override: { directPath: '/test/endless' },
    })
    const started = Date.now()
    expect(await loggedAnswer(id)).toEqual({ status: 502, code: 'upstream_failed' })
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(mediaFiles()).toEqual([])
    expect(sim.stats().media.reuploads).toBe(0)
  })

  it('still downloads honest media byte-identical', async () => {
    const { id } = await sim.sendMedia(EVE, { type: 'image', to: PHONE, data: JPEG, mimeType: 'image/jpeg' })
    await loggedAnswer(id)
    const res = await fetch(`${gw.url}/api/v1/accounts/shop/messages/${id}/media`, { headers: { cookie: operatorCookie } })
    expect(res.status).toBe(200)
    expect(Buffer.from(await res.arrayBuffer()).equals(JPEG)).toBe(true)
  })

  it('while the account is disconnected, the media hosts WhatsApp last named still decide', async () => {
    expect((await api()('POST', '/api/v1/accounts/shop/disconnect')).status).toBeLessThan(300)
    const [first] = refusedIds
    if (!first) throw new Error('the first test sent no hostile media')
    expect(await getMedia(first, auth)).toEqual({ status: 422, code: 'media_url_forbidden' })
    expect(connections).toEqual([])
  })
})
