import { probeCurve25519Native } from './curve-verify'
import { probeDecryptJournal } from './decrypt-journal'
import { probeMediaCache } from './media-send'
import { probeMessagesAtEmit } from './messages-at-emit'
import { probeRetryCache } from './retry-cache'
import { probe, type SeamState } from './seam-state'

/**
 * The start-time checks of the seams that are not installed process-wide: each runs the installed
 * Baileys (or resolves libsignal's dependency) the way the gateway relies on it, without a socket.
 * For the per-socket seams `engaged` means every socket will engage it; each socket also says when
 * one of them did not (lib/whatsapp/socket.ts). docs/upstream.md lists them all.
 */
export type BaileysSeams = {
  /** packages/curve25519-native is the curve25519-js libsignal loads */
  curve25519Native: SeamState
  /** Baileys' recent-message cache without a timer per message (retry-cache.ts) */
  retryCache: SeamState
  /** outgoing media encrypted and uploaded by the gateway, handed over through Baileys' mediaCache (media-send.ts) */
  mediaCache: SeamState
  /** decrypts journaled before Baileys sends the receipt (decrypt-journal.ts) */
  decryptJournal: SeamState
  /** messages taken at emit time, not at the event buffer's flush (messages-at-emit.ts) */
  messagesAtEmit: SeamState
}

/** Never rejects: a probe that throws reports its error as the reason. */
export async function probeBaileysSeams(): Promise<BaileysSeams> {
  const [curve25519Native, retryCache, mediaCache, decryptJournal, messagesAtEmit] = await Promise.all([
    probe(probeCurve25519Native),
    probe(probeRetryCache),
    probe(probeMediaCache),
    probe(probeDecryptJournal),
    probe(probeMessagesAtEmit),
  ])
  return { curve25519Native, retryCache, mediaCache, decryptJournal, messagesAtEmit }
}
