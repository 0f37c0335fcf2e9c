/**
 * Decrypt-journal benchmark: what the journal adds to one inbound message on the gateway's side.
 *
 *   node --expose-gc --import tsx bench/journal.bench.ts
 *
 * Per message, on a real SQLite file with the encrypted key store, as a session sees it:
 *   plain   — Baileys' key transaction commits the advanced session (keys.set), then the sink stores
 *             the message with its outbox event (the sink's journal DELETE runs and finds nothing);
 *   journal — the same set inside holdKeyWrites, committed with the journal row (the stanza encoded
 *             with encodeBinaryNode, the plaintext), then the sink stores the message and deletes it.
 * The two alternate in batches of N messages (fine-grained, so a busy neighbour on a shared machine
 * slows both alike); the median µs per message over the batches of each is reported.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type BinaryNode, encodeBinaryNode, type WAMessage } from '@whiskeysockets/baileys'
import { createKeyring } from '@/lib/crypto/aead'
import { closeDb, openDb } from '@/lib/db/client'
import { journalDecrypt } from '@/lib/db/inbound-journal'
import { EventBus } from '@/lib/events/bus'
import { createLogger } from '@/lib/logger'
import { createMessageSink } from '@/lib/sessions/message-sink'
import { useSqliteAuthState } from '@/lib/whatsapp/auth-state'

const N = 100
const ROUNDS = 100
const logger = createLogger({ level: 'silent' })
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-bench-'))
const db = openDb(path.join(dir, 'gateway.db'))
db.$client.prepare('INSERT INTO accounts (id, name) VALUES (?, ?)').run('a1', 'a1')
const auth = useSqliteAuthState({ db, accountId: 'a1', keyring: createKeyring({ current: crypto.randomBytes(32) }), logger })
const sink = createMessageSink({ db, bus: new EventBus(logger), accountId: 'a1', log: logger })

const buf = (n: number) => crypto.randomBytes(n)
/** about the shape and size (~1.5 KB serialised) of a libsignal session record */
const sessionRecord = () => ({
  _sessions: {
    [buf(33).toString('base64')]: {
      registrationId: 1234,
      currentRatchet: {
        ephemeralKeyPair: { pubKey: buf(33), privKey: buf(32) },
        lastRemoteEphemeralKey: buf(33),
        previousCounter: 3,
        rootKey: buf(32),
      },
      indexInfo: { baseKey: buf(33), baseKeyType: 2, closed: -1, used: Date.now(), created: Date.now(), remoteIdentityKey: buf(33) },
      _chains: Object.fromEntries(
        Array.from({ length: 4 }, () => [
          buf(33).toString('base64'),
          { chainKey: { counter: 5, key: buf(32) }, chainType: 1, messageKeys: {} },
        ]),
      ),
    },
  },
  version: 'v1',
})
const CONTACT = '15550000201@s.whatsapp.net'
let seq = 0
const next = () => {
  const id = `BENCH${(seq++).toString(16).toUpperCase().padStart(12, '0')}`
  const ciphertext = buf(90)
  const stanza: BinaryNode = {
    tag: 'message',
    attrs: { id, from: CONTACT, type: 'text', t: String(Math.floor(Date.now() / 1000)), notify: 'Contact' },
    content: [{ tag: 'enc', attrs: { v: '2', type: 'msg' }, content: ciphertext }],
  }
  const message: WAMessage = {
    key: { remoteJid: CONTACT, id, fromMe: false },
    message: { conversation: `benchmark message ${seq}` },
    messageTimestamp: Math.floor(Date.now() / 1000),
    pushName: 'Contact',
  }
  return { id, stanza, message, plaintext: buf(40), session: sessionRecord() }
}

async function round(journal: boolean): Promise<number> {
  const items = Array.from({ length: N }, next)
  const started = process.hrtime.bigint()
  for (const m of items) {
    const set = () => auth.state.keys.set({ session: { 'contact.0': m.session as unknown as Uint8Array } })
    if (journal) {
      await auth.holdKeyWrites(
        async () => {
          await set()
          return m.plaintext
        },
        (plaintext) => journalDecrypt(db, 'a1', { waMessageId: m.id, stanza: encodeBinaryNode(m.stanza), part: 0, plaintext }),
      )
    } else {
      await set()
    }
    sink.store([m.message])
  }
  return Number(process.hrtime.bigint() - started) / 1000 / N
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
const plain: number[] = []
const journaled: number[] = []
for (let i = 0; i < 10; i++) await round(i % 2 === 0) // warm-up
for (let i = 0; i < ROUNDS; i++) {
  plain.push(await round(false))
  journaled.push(await round(true))
}
const left = (db.$client.prepare('SELECT count(*) AS n FROM inbound_journal').get() as { n: number }).n
const p = median(plain)
const j = median(journaled)
console.log(
  `  ${ROUNDS} batches of ${N} inbound messages each way, alternating, load avg ${os.loadavg()[0]?.toFixed(2)} on ${os.cpus().length} cores`,
)
console.log(
  `  session commit + store, per message: plain ${p.toFixed(1)} µs, with the journal ${j.toFixed(1)} µs (+${(j - p).toFixed(1)} µs)`,
)
const q = (xs: number[], f: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * f)]?.toFixed(0)
console.log(`  batch quartiles (µs): plain ${q(plain, 0.25)}–${q(plain, 0.75)}; journal ${q(journaled, 0.25)}–${q(journaled, 0.75)}`)
console.log(`  journal rows left: ${left}`)
closeDb(db)
fs.rmSync(dir, { recursive: true, force: true })
