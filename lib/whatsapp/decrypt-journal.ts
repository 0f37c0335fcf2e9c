import {
  type BinaryNode,
  cleanMessage,
  decodeBinaryNode,
  decryptMessageNode,
  encodeBinaryNode,
  type WAMessage,
  type WASocket,
} from '@whiskeysockets/baileys'
import type { JournalEntry, JournalRow } from '@/lib/db/inbound-journal'
import type { Logger } from '@/lib/logger'

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
 */
export type DecryptJournal = {
  hold<T>(work: () => Promise<T>, also: (result: T) => void): Promise<T>
  record(entry: JournalEntry): void
}

type Located = { stanza: BinaryNode; part: number }

export function journalDecrypts(sock: Pick<WASocket, 'ws' | 'signalRepository'>, journal: DecryptJournal, logger: Logger): void {
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
