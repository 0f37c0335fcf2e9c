import makeWASocket, {
  Browsers,
  USyncQuery,
  USyncUser,
  jidNormalizedUser,
  type AuthenticationState,
  type BaileysEventMap,
  type WAMessage,
  type WAMessageKey,
  proto,
} from '@whiskeysockets/baileys'
import type { JournalRow } from '@/lib/db/inbound-journal'
import type { Logger } from '@/lib/logger'
import { type DecryptJournal, journalDecrypts, replayJournal } from './decrypt-journal'
import { PreparedMedia } from './media-send'
import { takeMessagesAtEmit } from './messages-at-emit'
import { type OutgoingContent, type QuotedRef, toBaileysContent, toQuotedMessage } from './outgoing'
import { dropRetryCachePurgeTimers } from './retry-cache'
import type { SeamState } from './seam-state'

/**
 * The gateway's one door to Baileys' socket. Sessions see only this small typed surface, so the
 * rest of lib/ never depends on Baileys' types or its untyped error shapes.
 */
export type ConnectionUpdate = {
  connection?: 'open' | 'connecting' | 'close'
  qr?: string
  /** lastDisconnect.error.output.statusCode on close; undefined for plain network errors */
  statusCode?: number
  errorMessage?: string
}

export type WaUser = { jid: string; lid: string | null; name: string | null }

export type WaSocketHandlers = {
  onConnection(update: ConnectionUpdate): void
  onCredsUpdate(): void
  /** `replayed`: rebuilt from the decrypt journal after a crash (lib/whatsapp/decrypt-journal.ts) */
  onMessages?(messages: WAMessage[], type: 'notify' | 'append', opts?: { replayed: boolean }): void
  onMessageUpdates?(updates: BaileysEventMap['messages.update']): void
}

export type WaSocketOptions = {
  auth: AuthenticationState
  /** unset: the real WhatsApp */
  wsUrl?: string
  logger: Logger
  getMessage(key: WAMessageKey): Promise<proto.IMessage | undefined>
  connectTimeoutMs?: number
  keepAliveIntervalMs?: number
  qrTimeoutMs?: number
  handlers: WaSocketHandlers
  /** the decrypt journal: set, every decrypt is journaled and what a crash left is replayed on connect */
  journal?: DecryptJournal & { pending(): JournalRow[] }
}

/** What WhatsApp accepted: the stanza was written (receipts and errors come later as updates). */
export type SentMessage = { waMessageId: string; jid: string; proto: Buffer | null; timestamp: number }

/** One number of a check: on WhatsApp or not, its phone JID and (when WhatsApp tells) its LID. */
export type NumberCheck = { phone: string; exists: boolean; jid: string | null; lid: string | null }

export type WaSocket = {
  /** sends with the given WhatsApp id; resolves once the stanza is written */
  send(jid: string, content: OutgoingContent, opts: { messageId: string; quoted?: QuotedRef }): Promise<SentMessage>
  /** digits with country code, no + */
  checkNumbers(phones: string[]): Promise<NumberCheck[]>
  requestPairingCode(phone: string): Promise<string>
  /**
   * Asks the sender's phone to upload a message's media again (WhatsApp's link expired) and returns
   * the message with its new direct path. Rejects (statusCodeOf 404/…) when the phone cannot.
   */
  reuploadMedia(key: WAMessageKey, message: proto.IMessage): Promise<proto.IMessage>
  /** the media hosts (`host` or `host:port`) WhatsApp's media_conn answer names (cached by Baileys until its ttl) */
  mediaHosts(): Promise<string[]>
  /** every address (phone JID and LID) of the group's admins, as WhatsApp answers now */
  groupAdmins(groupJid: string): Promise<string[]>
  /** unlinks this device on WhatsApp (the phone's linked-devices list) */
  logout(): Promise<void>
  /** removes our listeners first, so nothing from this socket reaches the session afterwards */
  end(): void
  user(): WaUser | undefined
}

/** The seams each socket engages; decryptJournal only when the socket journals. */
export type SocketSeams = { retryCache: SeamState; messagesAtEmit: SeamState; decryptJournal?: SeamState }

/** Baileys closes with a Boom error; read its status code without trusting its shape. */
export function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('output' in error)) return undefined
  const output = (error as { output?: unknown }).output
  if (typeof output !== 'object' || output === null) return undefined
  const code = (output as { statusCode?: unknown }).statusCode
  return typeof code === 'number' ? code : undefined
}

export function createWaSocket(opts: WaSocketOptions): WaSocket {
  const preparedMedia = new PreparedMedia()
  const sock = makeWASocket({
    mediaCache: preparedMedia,
    auth: opts.auth,
    ...(opts.wsUrl ? { waWebSocketUrl: opts.wsUrl } : {}),
    logger: opts.logger,
    browser: Browsers.ubuntu('Chrome'),
    markOnlineOnConnect: false,
    syncFullHistory: false,
    getMessage: (key) => opts.getMessage(key),
    ...(opts.connectTimeoutMs ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
    ...(opts.keepAliveIntervalMs ? { keepAliveIntervalMs: opts.keepAliveIntervalMs } : {}),
    ...(opts.qrTimeoutMs ? { qrTimeout: opts.qrTimeoutMs } : {}),
  })
  const retryCache = dropRetryCachePurgeTimers(sock)
  const h = opts.handlers
  const onConnection = (u: BaileysEventMap['connection.update']) => {
    const err = u.lastDisconnect?.error
    h.onConnection({
      connection: u.connection,
      qr: u.qr,
      statusCode: u.connection === 'close' ? statusCodeOf(err) : undefined,
      errorMessage: u.connection === 'close' ? err?.message : undefined,
    })
  }
  const onCreds = () => h.onCredsUpdate()
  sock.ev.on('connection.update', onConnection)
  sock.ev.on('creds.update', onCreds)
  let ended = false
  const messagesAtEmit = takeMessagesAtEmit(sock.ev, {
    upsert: (u) => {
      if (!ended) h.onMessages?.(u.messages, u.type)
    },
    update: (u) => {
      if (!ended) h.onMessageUpdates?.(u)
    },
    logger: opts.logger,
  })
  const seams: SocketSeams = { retryCache, messagesAtEmit }

  if (opts.journal) {
    seams.decryptJournal = journalDecrypts(sock, opts.journal, opts.logger)
    const me = opts.auth.creds.me
    const rows = me?.id ? opts.journal.pending() : []
    if (me?.id && rows.length > 0) {
      opts.logger.info({ rows: rows.length }, 'replaying journaled messages a crash left')
      void replayJournal({ rows, repository: sock.signalRepository, me: { id: me.id, lid: me.lid ?? '' }, logger: opts.logger }).then(
        (replayed) => {
          if (ended) return
          for (const offline of [true, false]) {
            const messages = replayed.filter((r) => r.offline === offline).map((r) => r.message)
            if (messages.length > 0) h.onMessages?.(messages, offline ? 'append' : 'notify', { replayed: true })
          }
        },
      )
    }
  }

  const missed = Object.entries(seams).filter(([, state]) => !state.engaged)
  // each seam that does not engage leaves the socket working, without what the seam is for (docs/upstream.md)
  if (missed.length > 0) opts.logger.warn({ seams: Object.fromEntries(missed) }, 'a Baileys seam did not engage on this socket')
  else opts.logger.debug({ seams }, 'Baileys seams engaged on this socket')
  let warnedMediaCache = false

  return {
    async send(jid, content, { messageId, quoted }) {
      // media (except audio, whose duration Baileys works out from the file) is encrypted and
      // uploaded by media-send.ts with bounded memory; Baileys finds the result in its mediaCache
      const prepared =
        content.kind === 'media' && content.media !== 'audio' ? await preparedMedia.prepare(sock, content.media, content.path) : null
      const sent = await sock
        .sendMessage(jid, toBaileysContent(content), {
          messageId,
          ...(quoted ? { quoted: toQuotedMessage(quoted) } : {}),
        })
        .then((message) => {
          // sent without reading what was prepared: Baileys encrypted and uploaded the file again itself
          if (prepared && !preparedMedia.taken(prepared) && !warnedMediaCache) {
            warnedMediaCache = true
            opts.logger.warn(
              { seams: { mediaCache: { engaged: false, reason: 'Baileys did not look the prepared media up in mediaCache' } } },
              'a Baileys seam did not engage on this socket: it encrypted and uploaded the media again itself',
            )
          }
          return message
        })
        .finally(() => {
          if (prepared) preparedMedia.del(prepared)
        })
      const ts = Number(sent?.messageTimestamp ?? 0)
      return {
        waMessageId: sent?.key.id ?? messageId,
        jid: sent?.key.remoteJid ?? jid,
        proto: sent?.message ? Buffer.from(proto.Message.encode(sent.message).finish()) : null,
        timestamp: ts > 0 ? ts * 1000 : Date.now(),
      }
    },
    async checkNumbers(phones) {
      if (phones.length === 0) return []
      const query = new USyncQuery().withContactProtocol().withLIDProtocol()
      for (const phone of phones) query.withUser(new USyncUser().withPhone(`+${phone}`))
      const result = await sock.executeUSyncQuery(query)
      const byPhone = new Map<string, { id: string; contact?: unknown; lid?: unknown }>()
      for (const item of result?.list ?? []) byPhone.set(item.id.split('@')[0]?.split(':')[0] ?? '', item)
      return phones.map((phone) => {
        const item = byPhone.get(phone)
        const exists = item?.contact === true
        return {
          phone,
          exists,
          jid: exists ? `${phone}@s.whatsapp.net` : null,
          lid: exists && typeof item.lid === 'string' && item.lid !== '' ? item.lid : null,
        }
      })
    },
    async reuploadMedia(key, message) {
      // updateMediaMessage builds the new URL from the media host media_conn announced; ask for it
      // first, or a socket that never uploaded would point at the default host
      await sock.refreshMediaConn(false)
      const updated = await sock.updateMediaMessage({ key, message })
      if (!updated.message) throw new Error('re-upload returned no message')
      return updated.message
    },
    async mediaHosts() {
      return (await sock.refreshMediaConn(false)).hosts.map((h) => h.hostname)
    },
    async groupAdmins(groupJid) {
      const meta = await sock.groupMetadata(groupJid)
      return meta.participants
        .filter((p) => p.admin === 'admin' || p.admin === 'superadmin' || p.isAdmin === true || p.isSuperAdmin === true)
        .flatMap((p) => [p.id, p.lid, p.phoneNumber])
        .filter((j): j is string => typeof j === 'string' && j !== '')
        .map((j) => jidNormalizedUser(j))
    },
    requestPairingCode: (phone) => sock.requestPairingCode(phone),
    logout: () => sock.logout(),
    end() {
      if (ended) return
      ended = true
      sock.ev.off('connection.update', onConnection)
      sock.ev.off('creds.update', onCreds)
      void sock.end(undefined).catch(() => undefined)
    },
    user() {
      const me = sock.authState.creds.me
      if (!me?.id) return undefined
      return { jid: me.id, lid: me.lid ?? null, name: me.name ?? null }
    },
  }
}
