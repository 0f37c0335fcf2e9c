import {
  type BinaryNode,
  cleanMessage,
  decodeBinaryNode,
  decryptMessageNode,
  encodeBinaryNode,
  proto,
  type WAMessage,
  type WASocket,
  writeRandomPadMax16,
} from '@whiskeysockets/baileys'
import pino from 'pino'
import type { JournalEntry, JournalRow } from '@/lib/db/inbound-journal'
import type { Logger } from '@/lib/logger'
import { ENGAGED, notEngaged, type SeamState } from './seam-state'

/**
 * The decrypt journal: no inbound message is lost between Baileys' Signal session commit and the
 * message log.
 *
 * Baileys (rc14) decrypts a `<message>` inside a key-store transaction that commits the advanced
 * Signal session (through our store's `set`) before the plaintext is anywhere else; then it sends
 * the receipt and emits the message. Killed in between, the message was gone: WhatsApp redelivers it
 * (or not, if the receipt got out), and the redelivered copy no longer decrypts ("Key used already",
 * nack 487). So each decrypt runs under `holdKeyWrites`: the session change waits in memory (visible
 * to every reader) and is committed together with a journal row — the whole stanza and the plaintext
 * — in one transaction, before Baileys gets the plaintext back, so before it can send the receipt.
 * The message sink deletes the row in the transaction that stores the message; `replayJournal` turns
 * the rows a crash left back into messages on the next connect.
 *
 * Seams (Baileys itself unmodified): `sock.signalRepository` is the object Baileys' receive path
 * calls, so its `decryptMessage` / `decryptGroupMessage` are wrapped there; the stanza a ciphertext
 * belongs to is found through a `frame` listener on `sock.ws`, which sees every stanza before
 * Baileys' handlers do, keyed by the ciphertext bytes object itself (what Baileys passes on).
 * `journalDecrypts` says whether it could hook in; `probeDecryptJournal` checks the installed Baileys
 * at start (its decrypt still hands the repository the stanza's own bytes object).
 */
export type DecryptJournal = {
  hold<T>(work: () => Promise<T>, also: (result: T) => void): Promise<T>
  record(entry: JournalEntry): void
}

type Located = { stanza: BinaryNode; part: number }

export function journalDecrypts(sock: Pick<WASocket, 'ws' | 'signalRepository'>, journal: DecryptJournal, logger: Logger): SeamState {
  // what a Baileys of another shape could leave out (its types say these are always there)
  const seen = sock as { ws?: { on?: unknown }; signalRepository?: { decryptMessage?: unknown; decryptGroupMessage?: unknown } }
  if (typeof seen.ws?.on !== 'function') return notEngaged('the socket has no ws emitter to see frames on')
  const repoSeen = seen.signalRepository
  if (typeof repoSeen?.decryptMessage !== 'function' || typeof repoSeen.decryptGroupMessage !== 'function')
    return notEngaged('the socket has no signalRepository with decryptMessage and decryptGroupMessage')
  const located = new WeakMap<Uint8Array, Located>()
  sock.ws.on('frame', (frame: BinaryNode | Uint8Array) => {
    if (frame instanceof Uint8Array || frame.tag !== 'message' || !Array.isArray(frame.content)) return
    frame.content.forEach((child, part) => {
      if (child.content instanceof Uint8Array) located.set(child.content, { stanza: frame, part })
    })
  })
  const journaled = async (ciphertext: Uint8Array, decrypt: () => Promise<Uint8Array>): Promise<Uint8Array> => {
    const at = located.get(ciphertext)
    const waMessageId = at?.stanza.attrs.id
    if (!at || !waMessageId) {
      logger.warn('decrypt of a ciphertext from no known <message>: not journaled')
      return decrypt()
    }
    return journal.hold(decrypt, (plaintext) => {
      journal.record({ waMessageId, stanza: encodeBinaryNode(at.stanza), part: at.part, plaintext: Buffer.from(plaintext) })
    })
  }
  const repo = sock.signalRepository
  const decryptMessage = repo.decryptMessage.bind(repo)
  const decryptGroupMessage = repo.decryptGroupMessage.bind(repo)
  repo.decryptMessage = (opts) => journaled(opts.ciphertext, () => decryptMessage(opts))
  repo.decryptGroupMessage = (opts) => journaled(opts.msg, () => decryptGroupMessage(opts))
  return ENGAGED
}

/**
 * The start-time check against the installed Baileys: its decryptMessageNode decrypts a `<message>`
 * through the repository it is given, handing over the stanza's own ciphertext bytes object (what
 * the journal and the replay find the stanza by), and builds the message from the plaintext.
 */
export async function probeDecryptJournal(): Promise<SeamState> {
  const ciphertext = new Uint8Array([7, 7, 7])
  const stanza: BinaryNode = {
    tag: 'message',
    attrs: { id: 'SEAMPROBE', from: '15550000000@s.whatsapp.net', type: 'text', t: '1700000000' },
    content: [{ tag: 'enc', attrs: { v: '2', type: 'msg' }, content: ciphertext }],
  }
  let handed: Uint8Array | undefined
  const repository = {
    decryptMessage: async (o: { ciphertext: Uint8Array }) => {
      handed = o.ciphertext
      return writeRandomPadMax16(proto.Message.encode({ conversation: 'probe' }).finish())
    },
    decryptGroupMessage: async () => new Uint8Array(),
    lidMapping: { getLIDForPN: async () => null, getPNForLID: async () => null, storeLIDPNMappings: async () => undefined },
    migrateSession: async () => undefined,
  } as unknown as WASocket['signalRepository']
  const node = decryptMessageNode(stanza, '15551111111:1@s.whatsapp.net', '', repository, pino({ level: 'silent' }))
  await node.decrypt()
  if (handed === undefined) return notEngaged("decryptMessageNode did not call the repository's decryptMessage")
  if (handed !== ciphertext) return notEngaged("decryptMessageNode hands the repository a copy, not the stanza's own ciphertext bytes")
  if (node.fullMessage.message?.conversation !== 'probe')
    return notEngaged('decryptMessageNode did not build the message from the plaintext')
  return ENGAGED
}

export type Replayed = { rows: number[]; message: WAMessage; offline: boolean }

/**
 * Turns journal rows back into the messages Baileys would have emitted: each stanza goes through
 * Baileys' own `decryptMessageNode`, with a repository whose decrypts answer the journaled
 * plaintexts (everything else — LID mappings, sender-key distribution — is the real repository,
 * as live). A part with no journal row fails as a failed decrypt does live (a CIPHERTEXT stub).
 * Rows that cannot be decoded are reported and skipped (kept for the next attempt).
 */
export async function replayJournal(opts: {
  rows: JournalRow[]
  repository: WASocket['signalRepository']
  me: { id: string; lid: string }
  logger: Logger
}): Promise<Replayed[]> {
  const byMessage = new Map<string, JournalRow[]>()
  for (const row of opts.rows) byMessage.set(row.waMessageId, [...(byMessage.get(row.waMessageId) ?? []), row])
  const out: Replayed[] = []
  for (const [waMessageId, rows] of byMessage) {
    try {
      const stanza = await decodeBinaryNode(rows[0]?.stanza ?? Buffer.alloc(0))
      const children = Array.isArray(stanza.content) ? stanza.content : []
      const plaintexts = new Map(rows.map((r) => [r.part, r.plaintext]))
      const answer = async (ciphertext: Uint8Array) => {
        const plaintext = plaintexts.get(children.findIndex((c) => c.content === ciphertext))
        if (!plaintext) throw new Error('this part was not journaled')
        return plaintext
      }
      const repository: WASocket['signalRepository'] = {
        ...opts.repository,
        decryptMessage: (o) => answer(o.ciphertext),
        decryptGroupMessage: (o) => answer(o.msg),
      }
      const node = decryptMessageNode(stanza, opts.me.id, opts.me.lid, repository, opts.logger)
      const fullMessage = node.fullMessage
      await node.decrypt()
      cleanMessage(fullMessage, opts.me.id, opts.me.lid)
      out.push({ rows: rows.map((r) => r.id), message: fullMessage, offline: !!stanza.attrs.offline })
    } catch (err) {
      opts.logger.error({ err, waMessageId }, 'a journaled message could not be rebuilt')
    }
  }
  return out
}
