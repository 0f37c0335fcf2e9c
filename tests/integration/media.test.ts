import crypto from 'node:crypto'
import fs from 'node:fs'
import https from 'node:https'
import net from 'node:net'
import path from 'node:path'
import { Readable } from 'node:stream'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '@/lib/errors'
import { createLogger } from '@/lib/logger'
import type { MediaLimits } from '@/lib/media/policy'
import { MediaService } from '@/lib/media/service'
import { MessageService } from '@/lib/messages/service'
import type { MessageView } from '@/lib/messages/types'
import { issueServerCertificate, loadOrCreateCa } from '../../sim/media/tls'
import { createHarness, type Harness, linkByQr, until } from '../support/gateway-harness'

/**
 * Media both ways through the real services, real Baileys and the simulator (its HTTPS media host is
 * trusted only through NODE_EXTRA_CA_CERTS, set for the test workers by the vitest global setup).
 */
const SHOP = '4915100000201'
const ANN = '15551230201'
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex')

// real signatures, so the bytes are what they claim (file-type reads the head)
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]),
  crypto.randomBytes(6000),
])
/** A PNG laid out chunk by chunk (IHDR, then IDAT with random pixels): file-type walks the chunks, so random bytes right after IHDR would be sniffed differently run to run. */
const PNG = (() => {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    return Buffer.concat([len, Buffer.from(type), data, Buffer.alloc(4)])
  }
  const ihdr = Buffer.from('0000001000000010080600000000', 'hex').subarray(0, 13)
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('IDAT', crypto.randomBytes(5000)),
    chunk('IEND', Buffer.alloc(0)),
  ])
})()
const MP4 = Buffer.concat([
  Buffer.from('0000001866747970', 'hex'),
  Buffer.from('mp42'),
  Buffer.alloc(4),
  Buffer.from('mp42isom'),
  crypto.randomBytes(9000),
])
const OGG = Buffer.concat([
  Buffer.from('OggS'),
  Buffer.from([0, 2]),
  Buffer.alloc(22),
  Buffer.from([1, 19]),
  Buffer.from('OpusHead'),
  Buffer.from([1, 1, 0x38, 1, 0x80, 0xbb, 0, 0, 0, 0, 0]),
  crypto.randomBytes(3000),
])
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), crypto.randomBytes(12000), Buffer.from('\n%%EOF\n')])
const WEBP = (() => {
  const body = Buffer.concat([Buffer.from('WEBPVP8 '), Buffer.alloc(4), crypto.randomBytes(2000)])
  const head = Buffer.alloc(8)
  head.write('RIFF')
  head.writeUInt32LE(body.length, 4)
  return Buffer.concat([head, body])
})()

const LIMITS: MediaLimits = { image: 1_000_000, video: 2_000_000, audio: 1_000_000, document: 2_000_000, sticker: 100_000 }

let h: Harness
let media: MediaService
let messages: MessageService
let files: https.Server
let filesUrl = ''
const served = new Map<string, Buffer>()
let now = Date.now()

/** What the gateway under test is tuned with: small caps, a one-minute upload lifetime, links from loopback over HTTPS. */
const MEDIA_TUNING = {
  limits: LIMITS,
  uploadTtlMs: 60_000,
  cacheMaxBytes: 50_000_000,
  eagerDownload: false,
  link: { allowedCidrs: ['127.0.0.1/32'], allowHttp: false, timeoutMs: 5000, maxRedirects: 3 },
  downloadTimeoutMs: 10_000,
}

/** One more media service beside the gateway's, on its database and sessions, under another link policy. */
function mediaService(opts: { allowedCidrs: string[]; dir: string; timeoutMs?: number }) {
  return new MediaService({
    db: h.db,
    bus: h.bus,
    logger: createLogger({ level: 'silent' }),
    sessions: h.manager,
    now: () => now,
    config: {
      ...MEDIA_TUNING,
      dir: opts.dir,
      link: { ...MEDIA_TUNING.link, allowedCidrs: opts.allowedCidrs, timeoutMs: opts.timeoutMs ?? 5000 },
    },
  })
}

const sentOk = (m: MessageView) =>
  until(
    () =>
      ['sent', 'delivered', 'read'].includes(messages.get('shop', m.id).status) ||
      (messages.get('shop', m.id).status === 'failed' && `failed: ${messages.get('shop', m.id).statusReason}`),
    20_000,
    `${m.id} sent`,
  )
const inboxOf = (m: MessageView) => h.sim.waitForInbox(ANN, (e) => e.id === m.waMessageId, 20_000)
const upload = (bytes: Buffer, declaredType: string, fileName: string) =>
  media.storeUpload('shop', { stream: Readable.from([bytes]), declaredType, fileName })
const failure = async (p: Promise<unknown>): Promise<AppError> => {
  try {
    await p
  } catch (err) {
    if (err instanceof AppError) return err
    throw err
  }
  throw new Error('expected a refusal')
}

beforeAll(async () => {
  h = await createHarness({}, {}, { media: MEDIA_TUNING, now: () => now })
  h.sim.createUser({ phone: ANN, name: 'Ann' })
  await linkByQr(h, 'shop', SHOP)
  ;({ media, messages } = h.gw)
  // a file server on an allowed test address, with a certificate from the simulator's CA
  const cert = issueServerCertificate(loadOrCreateCa())
  files = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x')
    if (url.pathname === '/redirect') {
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end()
      return
    }
    if (url.pathname === '/forever') {
      res.writeHead(200, { 'content-type': 'application/pdf' })
      res.write('%PDF-1.7\n')
      const t = setInterval(() => res.write('x'), 100)
      res.on('close', () => clearInterval(t))
      return
    }
    const body = served.get(url.pathname)
    if (!body) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body)
  })
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r))
  filesUrl = `https://127.0.0.1:${(files.address() as AddressInfo).port}`
}, 60_000)
afterAll(async () => {
  files.closeAllConnections()
  await new Promise((r) => files.close(r))
  await h.close()
})

describe('sending each media kind: by upload, by link, by base64', () => {
  const cases = [
    { kind: 'image', bytes: JPEG, mime: 'image/jpeg', caption: 'the red one', via: 'upload' },
    { kind: 'image', bytes: PNG, mime: 'image/png', caption: 'a png', via: 'link' },
    { kind: 'video', bytes: MP4, mime: 'video/mp4', caption: 'unboxing', via: 'base64' },
    { kind: 'video', bytes: MP4, mime: 'video/mp4', caption: 'again', via: 'upload' },
    { kind: 'audio', bytes: OGG, mime: 'audio/ogg', voice: true, via: 'base64' },
    { kind: 'audio', bytes: OGG, mime: 'audio/ogg', voice: false, via: 'link' },
    { kind: 'document', bytes: PDF, mime: 'application/pdf', caption: 'invoice', fileName: 'invoice-4711.pdf', via: 'upload' },
    { kind: 'document', bytes: PDF, mime: 'application/pdf', fileName: 'terms.pdf', via: 'link' },
    { kind: 'document', bytes: PDF, mime: 'application/pdf', fileName: 'b64.pdf', caption: 'as base64', via: 'base64' },
    { kind: 'sticker', bytes: WEBP, mime: 'image/webp', via: 'upload' },
    { kind: 'sticker', bytes: WEBP, mime: 'image/webp', via: 'base64' },
    { kind: 'image', bytes: JPEG, mime: 'image/jpeg', via: 'base64' },
    { kind: 'video', bytes: MP4, mime: 'video/mp4', via: 'link' },
    { kind: 'audio', bytes: OGG, mime: 'audio/ogg', voice: true, via: 'upload' },
    { kind: 'sticker', bytes: WEBP, mime: 'image/webp', via: 'link' },
  ] as const
  for (const c of cases) {
    it(`${c.kind} by ${c.via}${'voice' in c && c.voice ? ' (voice note)' : ''}: the contact decrypts the same bytes`, async () => {
      const extra = {
        ...('caption' in c ? { caption: c.caption } : {}),
        ...('fileName' in c ? { fileName: c.fileName } : {}),
        ...('voice' in c ? { voice: c.voice } : {}),
      }
      let source: Record<string, unknown>
      if (c.via === 'upload') source = { id: (await upload(c.bytes, c.mime, 'fileName' in c ? c.fileName : 'x.bin')).id }
      else if (c.via === 'base64') source = { base64: c.bytes.toString('base64'), mimeType: c.mime }
      else {
        const p = `/${crypto.randomUUID()}`
        served.set(p, c.bytes)
        source = { link: `${filesUrl}${p}` }
      }
      const body = { ...source, ...extra }
      const m = await messages.send('shop', { to: ANN, type: c.kind, [c.kind]: body } as Parameters<MessageService['send']>[1])
      expect(m).toMatchObject({ type: c.kind, status: 'queued' })
      const entry = await inboxOf(m)
      expect(entry.media).toMatchObject({ kind: c.kind, sha256: sha(c.bytes), size: c.bytes.length, hashMatches: true })
      if ('caption' in c) expect(entry.media?.caption).toBe(c.caption)
      if ('fileName' in c) expect(entry.media?.fileName).toBe(c.fileName)
      if ('voice' in c) expect(entry.media?.voice).toBe(c.voice)
      expect(await sentOk(m)).toBe(true)
      // the sent media reads back byte for byte
      const back = await media.open('shop', m.id)
      expect(sha(Buffer.concat(await back.stream.toArray()))).toBe(sha(c.bytes))
    })
  }
})

describe('received media', () => {
  it('is logged with its metadata and downloads byte-identical, also after the link expired (re-upload)', async () => {
    const { id } = await h.sim.sendMedia(ANN, {
      type: 'document',
      to: SHOP,
      data: PDF,
      mimeType: 'application/pdf',
      fileName: 'statement.pdf',
      caption: 'March',
    })
    const logged = await until(
      () => messages.list('shop', { direction: 'in' }).items.find((m) => m.waMessageId === id),
      10_000,
      'the PDF in the log',
    )
    expect(logged).toMatchObject({
      type: 'document',
      text: 'March',
      content: {
        document: { mimeType: 'application/pdf', size: PDF.length, fileName: 'statement.pdf', caption: 'March', sha256: sha(PDF) },
      },
    })
    const got = await media.open('shop', logged.id)
    expect(got).toMatchObject({ mimeType: 'application/pdf', fileName: 'statement.pdf', size: PDF.length })
    expect(Buffer.concat(await got.stream.toArray()).equals(PDF)).toBe(true)

    const voice = await h.sim.sendMedia(ANN, {
      type: 'audio',
      to: SHOP,
      data: OGG,
      mimeType: 'audio/ogg; codecs=opus',
      voice: true,
      seconds: 4,
    })
    const note = await until(
      () => messages.list('shop', { direction: 'in' }).items.find((m) => m.waMessageId === voice.id),
      10_000,
      'the voice note',
    )
    expect(note.content).toMatchObject({ audio: { voice: true, seconds: 4, mimeType: 'audio/ogg; codecs=opus' } })
    h.sim.expireMedia(voice.id, 410)
    const retried = await media.open('shop', note.id)
    expect(sha(Buffer.concat(await retried.stream.toArray()))).toBe(sha(OGG))
    expect(h.sim.stats().media.reuploads).toBe(1)
  })
})

describe('received media, every other kind', () => {
  const kinds = [
    { type: 'image', data: JPEG, mimeType: 'image/jpeg', caption: 'the blue one' },
    { type: 'video', data: MP4, mimeType: 'video/mp4', caption: 'a clip', seconds: 3 },
    { type: 'sticker', data: WEBP, mimeType: 'image/webp' },
    { type: 'audio', data: OGG, mimeType: 'audio/ogg', voice: false, seconds: 2 },
  ] as const
  for (const k of kinds) {
    it(`${k.type} from a contact: logged with its metadata, downloads byte-identical`, async () => {
      const { id } = await h.sim.sendMedia(ANN, { ...k, to: SHOP })
      const logged = await until(
        () => messages.list('shop', { direction: 'in' }).items.find((m) => m.waMessageId === id),
        10_000,
        `the ${k.type} in the log`,
      )
      expect(logged.type).toBe(k.type)
      expect(logged.content).toMatchObject({ [k.type]: { mimeType: k.mimeType, size: k.data.length, sha256: sha(k.data) } })
      if ('caption' in k) expect(logged.text).toBe(k.caption)
      const got = await media.open('shop', logged.id)
      expect(got.mimeType).toBe(k.mimeType)
      expect(sha(Buffer.concat(await got.stream.toArray()))).toBe(sha(k.data))
    })
  }
})

describe('links are fetched only from allowed public addresses (media_url_forbidden, no connection made)', () => {
  it('refuses every private, loopback and disguised address without connecting', async () => {
    const strict = mediaService({ allowedCidrs: [], dir: path.join(h.dir, 'media-strict') })
    const connections: string[] = []
    const listen = async (host: string) => {
      const s = net.createServer((sock) => {
        connections.push(host)
        sock.destroy()
      })
      await new Promise<void>((r) => s.listen(0, host, r))
      return s
    }
    const v4 = await listen('127.0.0.1')
    const v6 = await listen('::1')
    const p4 = (v4.address() as AddressInfo).port
    const p6 = (v6.address() as AddressInfo).port
    const urls = [
      `https://127.0.0.1:${p4}/x.pdf`,
      `https://localhost:${p4}/x.pdf`,
      `https://[::1]:${p6}/x.pdf`,
      `https://0.0.0.0:${p4}/x.pdf`,
      'https://10.1.2.3/x.pdf',
      'https://172.16.0.1/x.pdf',
      'https://192.168.1.1/x.pdf',
      'https://169.254.169.254/latest/meta-data/',
      'https://100.64.0.1/x.pdf',
      'https://[fc00::1]/x.pdf',
      'https://[fd12:3456::1]/x.pdf',
      `https://0x7f.1:${p4}/x.pdf`,
      `https://2130706433:${p4}/x.pdf`,
      `https://017700000001:${p4}/x.pdf`,
      `https://[::ffff:127.0.0.1]:${p4}/x.pdf`,
      `http://example.com/x.pdf`,
    ]
    for (const link of urls) {
      const err = await failure(strict.prepare('shop', 'document', { link }))
      expect(err.code, link).toBe('media_url_forbidden')
    }
    // an allowed https host that redirects to a private address: the hop is re-checked
    const inner = await listen('127.0.0.3')
    const target = `https://127.0.0.3:${(inner.address() as AddressInfo).port}/x.pdf`
    const err = await failure(media.prepare('shop', 'document', { link: `${filesUrl}/redirect?to=${encodeURIComponent(target)}` }))
    expect(err.code).toBe('media_url_forbidden')
    // and through the send: nothing is stored
    const before = messages.list('shop').items.length
    const viaSend = await failure(messages.send('shop', { to: ANN, type: 'image', image: { link: `https://[::1]:${p6}/a.jpg` } }))
    expect(viaSend).toMatchObject({ code: 'media_url_forbidden', status: 422 })
    expect(messages.list('shop').items.length).toBe(before)
    expect(connections).toEqual([])
    for (const s of [v4, v6, inner]) s.close()
    strict.stop()
  })
})

describe('limits', () => {
  const uploadsDir = () => fs.readdirSync(path.join(h.dir, 'media', 'uploads'))

  it('an oversized upload is refused (413) and nothing is kept', async () => {
    const before = uploadsDir()
    const big = Buffer.concat([WEBP.subarray(0, 4100), crypto.randomBytes(LIMITS.document + 10)])
    const err = await failure(upload(big, 'application/octet-stream', 'big.bin'))
    expect(err).toMatchObject({ code: 'payload_too_large', status: 413 })
    expect(uploadsDir()).toEqual(before)
  })

  it('bytes that contradict the declared type, or the kind, are refused', async () => {
    expect(await failure(upload(PDF, 'image/png', 'fake.png'))).toMatchObject({ code: 'media_type_mismatch', status: 422 })
    const pdf = await upload(PDF, 'application/pdf', 'real.pdf')
    expect(await failure(messages.send('shop', { to: ANN, type: 'image', image: { id: pdf.id } }))).toMatchObject({
      code: 'media_type_mismatch',
    })
    expect(
      await failure(messages.send('shop', { to: ANN, type: 'video', video: { base64: JPEG.toString('base64'), mimeType: 'video/mp4' } })),
    ).toMatchObject({
      code: 'media_type_mismatch',
    })
    expect(
      await failure(
        messages.send('shop', { to: ANN, type: 'audio', audio: { base64: MP4.toString('base64'), mimeType: 'audio/mp4', voice: true } }),
      ),
    ).toMatchObject({
      code: 'media_type_mismatch',
    })
  })

  it('a link that never finishes sending is cut at the time cap', async () => {
    const slow = mediaService({ allowedCidrs: ['127.0.0.1/32'], dir: path.join(h.dir, 'media-slow'), timeoutMs: 1500 })
    const t = Date.now()
    const err = await failure(slow.prepare('shop', 'document', { link: `${filesUrl}/forever` }))
    expect(err.code).toBe('upstream_timeout')
    expect(Date.now() - t).toBeLessThan(5000)
    expect(fs.readdirSync(path.join(h.dir, 'media-slow', 'out', 'shop'))).toEqual([])
    slow.stop()
  })

  it('an expired upload id is refused', async () => {
    const up = await upload(JPEG, 'image/jpeg', 'old.jpg')
    now += 61_000
    expect(await failure(messages.send('shop', { to: ANN, type: 'image', image: { id: up.id } }))).toMatchObject({ code: 'media_expired' })
    media.sweep()
    expect(uploadsDir()).not.toContain(up.id)
    now = Date.now()
  })

  it("another account's upload id is not found", async () => {
    const up = await media
      .storeUpload('other-account', { stream: Readable.from([JPEG]), declaredType: 'image/jpeg', fileName: 'x.jpg' })
      .catch((e: unknown) => e)
    // the upload table belongs to accounts: an unknown account cannot even store one
    expect(up).toBeInstanceOf(Error)
    const mine = await upload(JPEG, 'image/jpeg', 'mine.jpg')
    expect(await failure(media.prepare('someone-else', 'image', { id: mine.id }))).toMatchObject({ code: 'not_found' })
  })
})
