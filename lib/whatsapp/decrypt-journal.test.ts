import crypto from 'node:crypto'
import { EventEmitter } from 'node:events'
import { type BinaryNode, proto, type WASocket, writeRandomPadMax16 } from '@whiskeysockets/baileys'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createKeyring } from '@/lib/crypto/aead'
import type { DB } from '@/lib/db/client'
import { forgetJournaled, journalDecrypt, listJournal } from '@/lib/db/inbound-journal'
import { createLogger } from '@/lib/logger'
import { useSqliteAuthState } from './auth-state'
import { journalDecrypts, probeDecryptJournal, replayJournal } from './decrypt-journal'
import { tempDb } from '../../tests/support/temp-db'

const logger = createLogger({ level: 'silent' })
let db: DB
let close: () => void
beforeEach(() => {
  ;({ db, close } = tempDb())
  db.$client.prepare('INSERT INTO accounts (id, name) VALUES (?, ?)').run('acc-1', 'acc-1')
})
afterEach(() => close())

const ME = { id: '4915100000101:1@s.whatsapp.net', lid: '' }
const CONTACT = '15550000201@s.whatsapp.net'
const session = (marker: string) => ({ _sessions: { base: { note: marker } } }) as unknown as Uint8Array
const sessionsOnDisk = () => (db.$client.prepare(`SELECT count(*) AS n FROM wa_keys WHERE type = 'session'`).get() as { n: number }).n
const stanzaWith = (id: string, ciphertext: Uint8Array): BinaryNode => ({
  tag: 'message',
  attrs: { id, from: CONTACT, type: 'text', t: '1790000000', notify: 'Contact' },
  content: [{ tag: 'enc', attrs: { v: '2', type: 'msg' }, content: ciphertext }],
})
const padded = (text: string) => writeRandomPadMax16(proto.Message.encode({ conversation: text }).finish())

/** A socket as far as the journal sees it: a frame emitter and a repository whose decrypt advances the session. */
function fakeSocket(
  auth: ReturnType<typeof useSqliteAuthState>,
  decrypt: (ct: Uint8Array) => Promise<Uint8Array>,
  afterCommit?: () => Promise<void>,
) {
  const ws = new EventEmitter()
  const repository = {
    decryptMessage: async ({ ciphertext }: { ciphertext: Uint8Array }) => {
      // what Baileys' transaction does at its end: commit the advanced session through our store
      const plain = await decrypt(ciphertext)
      await auth.state.keys.set({ session: { 'contact.0': session(`after-${Buffer.from(ciphertext).toString()}`) } })
      await afterCommit?.()
      return plain
    },
    decryptGroupMessage: async () => new Uint8Array(),
    lidMapping: { getLIDForPN: async () => null, getPNForLID: async () => null, storeLIDPNMappings: async () => undefined },
    migrateSession: async () => undefined,
  }
  return { ws, signalRepository: repository } as unknown as Pick<WASocket, 'ws' | 'signalRepository'>
}

describe('decrypt journal', () => {
  it('commits the session change and the journal row together, after the decrypt and before its caller sees the plaintext', async () => {
    const auth = useSqliteAuthState({ db, accountId: 'acc-1', keyring: createKeyring({ current: crypto.randomBytes(32) }), logger })
    const inWindow: unknown[] = []
    const sock = fakeSocket(
      auth,
      async () => padded('hello'),
      async () => {
        // between Baileys' commit and the plaintext reaching its caller: held, visible, not on disk
        await new Promise((r) => setTimeout(r, 5))
        inWindow.push(sessionsOnDisk(), (await auth.state.keys.get('session', ['contact.0']))['contact.0'])
      },
    )
    journalDecrypts(sock, { hold: (work, also) => auth.holdKeyWrites(work, also), record: (e) => journalDecrypt(db, 'acc-1', e) }, logger)
    const ciphertext = Buffer.from('ct-1')
    sock.ws.emit('frame', stanzaWith('MSG1', ciphertext))

    await sock.signalRepository.decryptMessage({ jid: CONTACT, type: 'msg', ciphertext })
    expect(inWindow).toEqual([0, session('after-ct-1')])
    // when the plaintext comes back, both are on disk
    expect(sessionsOnDisk()).toBe(1)
    expect(listJournal(db, 'acc-1').map((r) => r.waMessageId)).toEqual(['MSG1'])
    // the store resolves the row when the message is in the log
    forgetJournaled(db, 'acc-1', ['MSG1'])
    expect(listJournal(db, 'acc-1')).toEqual([])
  })

  it('a failed decrypt writes no journal row; a journal write that fails takes the session change with it', async () => {
    const auth = useSqliteAuthState({ db, accountId: 'acc-1', keyring: createKeyring({ current: crypto.randomBytes(32) }), logger })
    const failing = fakeSocket(auth, async () => {
      throw new Error('Key used already or never filled')
    })
    journalDecrypts(
      failing,
      { hold: (work, also) => auth.holdKeyWrites(work, also), record: (e) => journalDecrypt(db, 'acc-1', e) },
      logger,
    )
    const ct = Buffer.from('ct-2')
    failing.ws.emit('frame', stanzaWith('MSG2', ct))
    await expect(failing.signalRepository.decryptMessage({ jid: CONTACT, type: 'msg', ciphertext: ct })).rejects.toThrow('Key used')
    expect(listJournal(db, 'acc-1')).toEqual([])

    const broken = fakeSocket(auth, async () => padded('x'))
    journalDecrypts(
      broken,
      {
        hold: (work, also) => auth.holdKeyWrites(work, also),
        record: () => {
          throw new Error('disk full')
        },
      },
      logger,
    )
    const ct3 = Buffer.from('ct-3')
    broken.ws.emit('frame', stanzaWith('MSG3', ct3))
    await expect(broken.signalRepository.decryptMessage({ jid: CONTACT, type: 'msg', ciphertext: ct3 })).rejects.toThrow('disk full')
    expect(sessionsOnDisk()).toBe(0)
    expect(await auth.state.keys.get('session', ['contact.0'])).toEqual({})
  })

  it('replays journal rows into the message Baileys would have emitted', async () => {
    const auth = useSqliteAuthState({ db, accountId: 'acc-1', keyring: createKeyring({ current: crypto.randomBytes(32) }), logger })
    const sock = fakeSocket(auth, async () => padded('kept across a crash'))
    journalDecrypts(sock, { hold: (work, also) => auth.holdKeyWrites(work, also), record: (e) => journalDecrypt(db, 'acc-1', e) }, logger)
    const ct = Buffer.from('ct-4')
    const stanza = stanzaWith('MSG4', ct)
    stanza.attrs.offline = '1'
    sock.ws.emit('frame', stanza)
    await sock.signalRepository.decryptMessage({ jid: CONTACT, type: 'msg', ciphertext: ct })
    // …and the process dies here: the next connect finds the row
    const rows = listJournal(db, 'acc-1')
    const replayed = await replayJournal({ rows, repository: sock.signalRepository, me: ME, logger })
    expect(replayed).toHaveLength(1)
    const [r] = replayed
    expect(r?.rows).toEqual(rows.map((x) => x.id))
    expect(r?.offline).toBe(true)
    expect(r?.message.key).toMatchObject({ id: 'MSG4', remoteJid: CONTACT, fromMe: false })
    expect(r?.message.message?.conversation).toBe('kept across a crash')
    expect(r?.message.pushName).toBe('Contact')
    expect(Number(r?.message.messageTimestamp)).toBe(1790000000)
  })
})

describe('decrypt journal seam', () => {
  it("the start-time check against the installed Baileys: its decrypt hands over the stanza's own ciphertext bytes", async () => {
    expect(await probeDecryptJournal()).toEqual({ engaged: true })
  })

  it('says so, and changes nothing, when the socket has no repository to hook', () => {
    const ws = new EventEmitter()
    const journal = { hold: <T>(work: () => Promise<T>) => work(), record: () => undefined }
    expect(journalDecrypts({ ws } as unknown as Pick<WASocket, 'ws' | 'signalRepository'>, journal, logger)).toEqual({
      engaged: false,
      reason: 'the socket has no signalRepository with decryptMessage and decryptGroupMessage',
    })
    expect(ws.listenerCount('frame')).toBe(0)
  })
})
