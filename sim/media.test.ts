import crypto from 'node:crypto'
import { downloadMediaMessage, type WAMessage } from '@whiskeysockets/baileys'
import { describe, expect, it } from 'vitest'
import { linkedSimulator } from './testing/fixture'

const ALICE = '15550401' // linked companion
const BOB = '15550402' // simulated contact
const bobJid = `${BOB}@s.whatsapp.net`
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex')

describe('media through the simulator (real Baileys, HTTPS media host with the simulator CA)', () => {
  const fx = linkedSimulator({ users: { [ALICE]: 'Alice', [BOB]: 'Bob' }, link: ALICE })
  const received = async (id: string): Promise<WAMessage> => (await fx.linked.client.waitForMessage((m) => m.message.key.id === id)).message

  it('serves its CA and the workers trust it through NODE_EXTRA_CA_CERTS', async () => {
    const pem = await (await fetch(`${fx.sim.adminUrl}/ca.pem`)).text()
    expect(pem).toContain('BEGIN CERTIFICATE')
    expect(process.env.NODE_EXTRA_CA_CERTS).toBe(fx.sim.caPath)
    expect((await fetch(`${fx.sim.mediaUrl}/v/t62/nothing.enc`)).status).toBe(404)
  })

  it('a companion uploads a document with caption and file name; the contact decrypts the same bytes', async () => {
    const data = crypto.randomBytes(50_000)
    const sent = await fx.linked.client.sock.sendMessage(bobJid, {
      document: data,
      mimetype: 'application/pdf',
      fileName: 'invoice-7.pdf',
      caption: 'your invoice',
    })
    const entry = await fx.sim.waitForInbox(BOB, (e) => e.id === sent?.key.id)
    expect(entry.media).toMatchObject({
      kind: 'document',
      mimeType: 'application/pdf',
      sha256: sha(data),
      size: data.length,
      hashMatches: true,
      fileName: 'invoice-7.pdf',
      caption: 'your invoice',
    })
    expect(fx.sim.stats().media.uploads).toBeGreaterThan(0)
  })

  it('a voice note keeps its flag', async () => {
    const data = crypto.randomBytes(3000)
    const sent = await fx.linked.client.sock.sendMessage(bobJid, { audio: data, mimetype: 'audio/ogg; codecs=opus', ptt: true, seconds: 3 })
    const entry = await fx.sim.waitForInbox(BOB, (e) => e.id === sent?.key.id)
    expect(entry.media).toMatchObject({ kind: 'audio', voice: true, sha256: sha(data) })
  })

  it('a contact sends an image; the companion downloads it; after expiry a re-upload request brings it back', async () => {
    const data = crypto.randomBytes(20_000)
    const { id } = await fx.sim.sendMedia(BOB, { type: 'image', to: ALICE, data, mimeType: 'image/jpeg', caption: 'look' })
    const msg = await received(id)
    expect(msg.message?.imageMessage?.caption).toBe('look')
    const first = await downloadMediaMessage(msg, 'buffer', {})
    expect(sha(first)).toBe(sha(data))

    fx.sim.expireMedia(id, 410)
    await expect(downloadMediaMessage(msg, 'buffer', {})).rejects.toMatchObject({ output: { statusCode: 410 } })
    await fx.linked.client.sock.refreshMediaConn(false)
    const updated = await fx.linked.client.sock.updateMediaMessage(msg)
    const again = await downloadMediaMessage(updated, 'buffer', {})
    expect(sha(again)).toBe(sha(data))
    expect(fx.sim.stats().media).toMatchObject({ reuploads: 1, retryRequests: 1 })
  })

  it('the hostile contact (admin API override) sends media that points anywhere and declares no hashes', async () => {
    const res = await fetch(`${fx.sim.adminUrl}/users/${BOB}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'image',
        to: ALICE,
        base64: crypto.randomBytes(500).toString('base64'),
        mimeType: 'image/jpeg',
        override: { url: 'https://169.254.169.254/latest/meta-data/', directPath: '', omitHashes: true },
      }),
    })
    expect(res.status).toBe(201)
    const { id } = (await res.json()) as { id: string }
    const image = (await received(id)).message?.imageMessage
    expect(image?.url).toBe('https://169.254.169.254/latest/meta-data/')
    expect(image?.directPath ?? undefined).toBeUndefined()
    expect(image?.fileSha256?.length ?? 0).toBe(0)
    expect(image?.fileEncSha256?.length ?? 0).toBe(0)
    expect(image?.mediaKey?.length).toBe(32)
  })

  it('the media host serves an endless body on /test/endless', async () => {
    const res = await fetch(`${fx.sim.mediaUrl}/test/endless`)
    expect(res.status).toBe(200)
    const reader = res.body!.getReader()
    let seen = 0
    while (seen < 1_000_000) seen += (await reader.read()).value?.length ?? 0
    await reader.cancel()
    expect(seen).toBeGreaterThanOrEqual(1_000_000)
  })
})
