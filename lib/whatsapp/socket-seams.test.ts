import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { WAMessage } from '@whiskeysockets/baileys'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JournalEntry } from '@/lib/db/inbound-journal'
import { type Simulator, startSimulator } from '../../sim'
import { makeMemoryKeyStore } from '../../sim/contacts/memory-store'
import { quietLibsignalConsole } from '../../sim/contacts/quiet-libsignal'
import { captureLogs } from '../../tests/support/log-capture'
import { createWaSocket } from './socket'

const SHOP = '4915100000311'
const ANN = '15550000312'

quietLibsignalConsole()

let sim: Simulator
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socket-seams-'))
beforeAll(async () => {
  sim = await startSimulator({ port: 0 })
  sim.createUser({ phone: SHOP, name: 'Shop' })
  sim.createUser({ phone: ANN, name: 'Ann' })
})
afterAll(async () => {
  await sim.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

/**
 * The canary of the per-socket seams: a real, unmodified Baileys socket (as the gateway makes it)
 * against the simulator. When this fails after a Baileys upgrade, one of the seams no longer engages
 * where Baileys is used for real (docs/upstream.md says which does what).
 */
describe('the per-socket seams on a real Baileys socket (canary)', () => {
  it('engage: retry cache, messages at emit, the decrypt journal (frames and repository) and the media cache', async () => {
    const { logger, lines } = captureLogs()
    const { creds } = sim.provisionCompanion(SHOP)
    const journaled: JournalEntry[] = []
    const received: WAMessage[] = []
    let opened!: () => void
    const open = new Promise<void>((resolve) => (opened = resolve))
    const sock = createWaSocket({
      auth: { creds, keys: makeMemoryKeyStore() },
      wsUrl: sim.wsUrl,
      logger,
      getMessage: async () => undefined,
      journal: {
        hold: async (work, also) => {
          const result = await work()
          also(result)
          return result
        },
        record: (entry) => journaled.push(entry),
        pending: () => [],
      },
      handlers: {
        onConnection: (u) => u.connection === 'open' && opened(),
        onCredsUpdate: () => undefined,
        onMessages: (messages) => received.push(...messages),
      },
    })
    try {
      await open
      expect(lines.find((l) => l.msg === 'Baileys seams engaged on this socket')).toMatchObject({
        seams: { retryCache: { engaged: true }, messagesAtEmit: { engaged: true }, decryptJournal: { engaged: true } },
      })

      // a contact writes: the decrypt was journaled with the stanza the frame listener saw, and the
      // message reached the handler that takes it at emit time
      const { id } = await sim.sendText(ANN, SHOP, 'hello through the seams')
      await expect.poll(() => received.map((m) => m.key.id), { timeout: 10_000 }).toContain(id)
      expect(received.find((m) => m.key.id === id)?.message?.conversation).toBe('hello through the seams')
      expect(journaled.map((e) => e.waMessageId)).toContain(id)

      // media: Baileys sends what the gateway encrypted and uploaded, found in its mediaCache
      const file = path.join(dir, 'report.pdf')
      fs.writeFileSync(file, crypto.randomBytes(40_000))
      const messageId = `3EB0${crypto.randomBytes(8).toString('hex').toUpperCase()}`
      await sock.send(
        `${ANN}@s.whatsapp.net`,
        { kind: 'media', media: 'document', path: file, mimeType: 'application/pdf', fileName: 'report.pdf' },
        { messageId },
      )
      await sim.waitForInbox(ANN, (e) => e.id === messageId)

      expect(lines.filter((l) => String(l.msg).startsWith('a Baileys seam did not engage'))).toEqual([])
      expect(lines.filter((l) => l.msg === 'decrypt of a ciphertext from no known <message>: not journaled')).toEqual([])
    } finally {
      sock.end()
    }
  })
})
