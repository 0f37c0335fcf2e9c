import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Simulator, startSimulator } from '../../sim'
import { apiClient, type GatewayProcess, startGateway } from '../support/gateway-process'

/**
 * The media routes over real HTTP against the production server: a streamed multipart upload, its
 * size cap with nothing kept, and a received PDF downloaded byte-identical (the gateway trusts the
 * simulator's media host only through NODE_EXTRA_CA_CERTS).
 */
const KEY = 'test-gateway-api-key-0123456789abcdef'
const PHONE = '4915100000301'
const ANN = '15551230301'
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), crypto.randomBytes(40_000), Buffer.from('\n%%EOF\n')])
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]),
  crypto.randomBytes(6000),
])
const HTML = Buffer.from('<!doctype html><html><body><script>fetch("/api/v1/api-keys")</script></body></html>')
/** bytes of unexpired uploads one account may keep: room for six copies of PDF, not seven */
const QUOTA = 250_000

let sim: Simulator
let gw: GatewayProcess
let dataDir: string
const auth = { authorization: `Bearer ${KEY}` }
const api = () => apiClient(gw.url, auth)

function multipart(bytes: Buffer, type: string, name: string): { body: Blob; headers: Record<string, string> } {
  const boundary = `b${crypto.randomBytes(8).toString('hex')}`
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`
  return {
    body: new Blob([head, new Uint8Array(bytes), `\r\n--${boundary}--\r\n`]),
    headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}` },
  }
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0 })
  sim.createUser({ phone: ANN, name: 'Ann' })
  sim.createUser({ phone: PHONE, name: 'Shop' })
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-media-'))
  gw = await startGateway({
    DATA_DIR: dataDir,
    WA_WS_URL: sim.wsUrl,
    GATEWAY_API_KEY: KEY,
    NODE_EXTRA_CA_CERTS: sim.caPath,
    MEDIA_MAX_DOCUMENT_BYTES: '100000',
    MEDIA_MAX_VIDEO_BYTES: '100000',
    // the simulator's media host is on loopback; production allows public addresses only
    MEDIA_ALLOWED_CIDRS: '127.0.0.1/32',
    MEDIA_ACCOUNT_QUOTA_BYTES: String(QUOTA),
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
}, 120_000)
afterAll(async () => {
  await gw.stop()
  await sim.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('POST /accounts/{id}/media', () => {
  it('stores a streamed upload and answers its id, type, size and hash', async () => {
    const { body, headers } = multipart(PDF, 'application/pdf', 'invoice.pdf')
    const res = await fetch(`${gw.url}/api/v1/accounts/shop/media`, { method: 'POST', headers, body })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({
      id: expect.stringMatching(/^med_[0-9a-f]{24}$/) as string,
      mimeType: 'application/pdf',
      size: PDF.length,
      sha256: crypto.createHash('sha256').update(PDF).digest('hex'),
      fileName: 'invoice.pdf',
    })
  })

  it('cuts an oversized upload with 413 and keeps nothing', async () => {
    const before = fs.readdirSync(path.join(dataDir, 'media', 'uploads'))
    const big = Buffer.concat([PDF, crypto.randomBytes(150_000)])
    const { body, headers } = multipart(big, 'application/pdf', 'big.pdf')
    const res = await fetch(`${gw.url}/api/v1/accounts/shop/media`, { method: 'POST', headers, body })
    expect(res.status).toBe(413)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large')
    expect(fs.readdirSync(path.join(dataDir, 'media', 'uploads'))).toEqual(before)
  })

  it('refuses a declared type the bytes contradict, and a non-multipart body', async () => {
    const { body, headers } = multipart(PDF, 'image/png', 'x.png')
    const res = await fetch(`${gw.url}/api/v1/accounts/shop/media`, { method: 'POST', headers, body })
    expect(res.status).toBe(422)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('media_type_mismatch')
    expect((await api()('POST', '/api/v1/accounts/shop/media', { file: 'x' })).status).toBe(415)
  })
})

describe('GET /accounts/{id}/messages/{messageId}/media', () => {
  it('streams a received PDF byte-identical, with its type and file name', async () => {
    const { id } = await sim.sendMedia(ANN, {
      type: 'document',
      to: PHONE,
      data: PDF,
      mimeType: 'application/pdf',
      fileName: 'statement.pdf',
    })
    let res: Response | undefined
    for (let i = 0; i < 100; i++) {
      res = await fetch(`${gw.url}/api/v1/accounts/shop/messages/${id}/media`, { headers: auth })
      if (res.status !== 404) break
      await res.arrayBuffer()
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(res?.status).toBe(200)
    expect(res?.headers.get('content-type')).toBe('application/pdf')
    expect(res?.headers.get('content-disposition')).toContain('statement.pdf')
    expect(Buffer.from(await res!.arrayBuffer()).equals(PDF)).toBe(true)
  })

  it('answers 404 for a message without media', async () => {
    const res = await api()('GET', '/api/v1/accounts/shop/messages/msg_nothing/media')
    expect(res.status).toBe(404)
  })
})

describe('the upload quota per account (MEDIA_ACCOUNT_QUOTA_BYTES)', () => {
  it("refuses an upload past the account's quota with 429 quota_exceeded naming the limit, keeps nothing, and leaves other accounts alone", async () => {
    expect((await api()('POST', '/api/v1/accounts', { id: 'quota', name: 'Quota' })).status).toBe(201)
    const post = async (account: string) => {
      const { body, headers } = multipart(PDF, 'application/pdf', 'invoice.pdf')
      const res = await fetch(`${gw.url}/api/v1/accounts/${account}/media`, { method: 'POST', headers, body })
      return { status: res.status, json: (await res.json()) as { error?: { code: string; message: string } } }
    }
    for (let i = 0; i < Math.floor(QUOTA / PDF.length); i++) expect((await post('quota')).status).toBe(201)
    const before = fs.readdirSync(path.join(dataDir, 'media', 'uploads'))
    const refused = await post('quota')
    expect(refused.status).toBe(429)
    expect(refused.json.error?.code).toBe('quota_exceeded')
    expect(refused.json.error?.message).toContain(String(QUOTA))
    expect(fs.readdirSync(path.join(dataDir, 'media', 'uploads'))).toEqual(before)
    // and again: nothing was counted for the refused one
    expect((await post('quota')).status).toBe(429)
    // the quota is per account
    expect((await post('shop')).status).toBe(201)
  })
})

describe('served media: the type of the bytes, never sniffed by the browser, scripts sandboxed', () => {
  const fetchMedia = async (id: string) => {
    let res: Response | undefined
    for (let i = 0; i < 100; i++) {
      res = await fetch(`${gw.url}/api/v1/accounts/shop/messages/${id}/media`, { headers: auth })
      if (res.status !== 404) break
      await res.arrayBuffer()
      await new Promise((r) => setTimeout(r, 100))
    }
    if (!res) throw new Error('no answer')
    return { res, bytes: Buffer.from(await res.arrayBuffer()) }
  }

  it('an image the sender declared as text/html is served as the JPEG it is, inline and sandboxed', async () => {
    const { id } = await sim.sendMedia(ANN, { type: 'image', to: PHONE, data: JPEG, mimeType: 'text/html' })
    const { res, bytes } = await fetchMedia(id)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/jpeg')
    expect(res.headers.get('content-disposition')).toMatch(/^inline;/)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('content-security-policy')).toMatch(/^sandbox(;|$)/)
    expect(bytes.equals(JPEG)).toBe(true)
  })

  it('an HTML document is never served as HTML: an octet-stream attachment, sandboxed', async () => {
    const { id } = await sim.sendMedia(ANN, { type: 'document', to: PHONE, data: HTML, mimeType: 'text/html', fileName: 'page.html' })
    const { res, bytes } = await fetchMedia(id)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/octet-stream')
    expect(res.headers.get('content-disposition')).toMatch(/^attachment;.*page\.html/)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('content-security-policy')).toMatch(/^sandbox(;|$)/)
    expect(bytes.equals(HTML)).toBe(true)
  })

  it('a PDF is an attachment with its own type', async () => {
    const { id } = await sim.sendMedia(ANN, {
      type: 'document',
      to: PHONE,
      data: PDF,
      mimeType: 'application/octet-stream',
      fileName: 'x.pdf',
    })
    const { res } = await fetchMedia(id)
    expect(res.headers.get('content-type')).toBe('application/pdf')
    expect(res.headers.get('content-disposition')).toMatch(/^attachment;/)
    expect(res.headers.get('content-security-policy')).toMatch(/^sandbox(;|$)/)
  })
})
