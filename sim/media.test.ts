import crypto from 'node:crypto'
import { downloadMediaMessage, type WAMessage } from '@whiskeysockets/baileys'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Simulator, startSimulator } from './index'
import { type LinkedClient, linkWithQr } from './testing/link'
import { ClientTracker } from './testing/tracker'

const ALICE = '15550401' // linked companion
const BOB = '15550402' // simulated contact
const bobJid = `${BOB}@s.whatsapp.net`
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex')

describe('media through the simulator (real Baileys, HTTPS media host with the simulator CA)', () => {
  let sim: Simulator
  let alice: LinkedClient
  const clients = new ClientTracker()
  const received = async (id: string): Promise<WAMessage> => (await alice.client.waitForMessage((m) => m.message.key.id === id)).message

  beforeAll(async () => {
    sim = await startSimulator({ port: 0 })
    sim.createUser({ phone: ALICE, name: 'Alice' })
    sim.createUser({ phone: BOB, name: 'Bob' })
    alice = await linkWithQr(sim, ALICE)
    clients.track(alice.client)
  })
  afterAll(async () => {
    await clients.endAll()
    await sim.close()
  })

  it('serves its CA and the workers trust it through NODE_EXTRA_CA_CERTS', async () => {
    const pem = await (await fetch(`${sim.adminUrl}/ca.pem`)).text()
    expect(pem).toContain('BEGIN CERTIFICATE')
    expect(process.env.NODE_EXTRA_CA_CERTS).toBe(sim.caPath)
    expect((await fetch(`${sim.mediaUrl}/v/t62/nothing.enc`)).status).toBe(404)
  })

  it('a companion uploads a document with caption and file name; the contact decrypts the same bytes', async () => {
    const data = crypto.randomBytes(50_000)
    const sent = await alice.client.sock.sendMessage(bobJid, {
      document: data,
      mimetype: 'application/pdf',
      fileName: 'invoice-7.pdf',
      caption: 'your invoice',
    })
    const entry = await sim.waitForInbox(BOB, (e) => e.id === sent?.key.id)
    expect(entry.media).toMatchObject({
      kind: 'document',
      mimeType: 'application/pdf',
      sha256: sha(data),
      size: data.length,
      hashMatches: true,
      fileName: 'invoice-7.pdf',
      caption: 'your invoice',
    })
    expect(sim.stats().media.uploads).toBeGreaterThan(0)
  })

  it('a voice note keeps its flag', async () => {
    const data = crypto.randomBytes(3000)
    const sent = await alice.client.sock.sendMessage(bobJid, { audio: data, mimetype: 'audio/ogg; codecs=opus', ptt: true, seconds: 3 })
    const entry = await sim.waitForInbox(BOB, (e) => e.id === sent?.key.id)
    expect(entry.media).toMatchObject({ kind: 'audio', voice: true, sha256: sha(data) })
  })

  it('a contact sends an image; the companion downloads it; after expiry a re-upload request brings it back', async () => {
    const data = crypto.randomBytes(20_000)
    const { id } = await sim.sendMedia(BOB, { type: 'image', to: ALICE, data, mimeType: 'image/jpeg', caption: 'look' })
    const msg = await received(id)
    expect(msg.message?.imageMessage?.caption).toBe('look')
    const first = await downloadMediaMessage(msg, 'buffer', {})
    expect(sha(first)).toBe(sha(data))

    sim.expireMedia(id, 410)
    await expect(downloadMediaMessage(msg, 'buffer', {})).rejects.toMatchObject({ output: { statusCode: 410 } })
    await alice.client.sock.refreshMediaConn(false)
    const updated = await alice.client.sock.updateMediaMessage(msg)
    const again = await downloadMediaMessage(updated, 'buffer', {})
    expect(sha(again)).toBe(sha(data))
    expect(sim.stats().media).toMatchObject({ reuploads: 1, retryRequests: 1 })
  })
})
