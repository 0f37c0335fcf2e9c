/**
 * Messages and receipts between companions (real Baileys clients) and simulated phones.
 *
 * - A companion's message is fanned out per `<participants><to jid>`: a simulated phone (device 0)
 *   decrypts its copy into the user's inbox and answers with receipts (per the user's settings); a
 *   linked companion gets the ciphertext forwarded (queued while offline).
 * - A simulated phone sending to a user encrypts for each of that user's companions (pkmsg first, msg
 *   once a session exists) and the text also lands in the recipient phone's own inbox.
 */
import {
  aesDecryptGCM,
  aesEncryptGCM,
  type BinaryNode,
  getBinaryNodeChild,
  getBinaryNodeChildBuffer,
  getBinaryNodeChildren,
  hkdf,
  proto,
  S_WHATSAPP_NET,
} from '@whiskeysockets/baileys'
import crypto from 'node:crypto'
import { deflateSync } from 'node:zlib'
import type { EncType } from './contacts/virtual-device'
import { summarizeMessage } from './contacts/summarize'
import type { Directory } from './directory'
import { errorMessage } from './errors'
import type { SimLogger } from './logger'
import { bigEndian, contentBuffer, messageId, unixSeconds } from './nodes'
import { type CompanionDevice, OFFLINE_QUEUE_LIMIT, type Registry, type SimUser } from './registry'
import type { SimConnection } from './transport/connection'
import type { MediaStore } from './media/store'

export type RoutingStats = {
  messagesFromCompanions: number
  messagesToCompanions: number
  messagesRefused: number
  decryptFailures: number
  receiptsSent: number
  mediaRetries: number
}

export type MessageEvents = {
  onInbox?(user: SimUser, id: string): void
  onDelivered?(device: CompanionDevice): void
}

export class Router {
  readonly stats: RoutingStats = {
    messagesFromCompanions: 0,
    messagesToCompanions: 0,
    messagesRefused: 0,
    decryptFailures: 0,
    receiptsSent: 0,
    mediaRetries: 0,
  }
  private readonly chains = new WeakMap<SimConnection, Promise<void>>()
  private readonly timers = new Set<NodeJS.Timeout>()

  constructor(
    private readonly registry: Registry,
    private readonly directory: Directory,
    private readonly log: SimLogger,
    private readonly events: MessageEvents = {},
    private readonly media?: MediaStore,
  ) {}

  /** Stops pending receipt timers. */
  close(): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  /** Delivers a stanza to a companion now, or queues it until it logs in. */
  deliver(device: CompanionDevice, node: BinaryNode): void {
    const conns = [...device.connections].filter((c) => !c.closed)
    if (conns.length) {
      for (const c of conns) this.sendTo(device, c, node)
      return
    }
    device.offline.push(node)
    if (device.offline.length > OFFLINE_QUEUE_LIMIT) device.offline.shift()
  }

  /**
   * Writes a stanza to one logged-in connection. As WhatsApp does, a `<message>` is kept until the
   * device acknowledges it on that connection (its `<receipt>`, or an `<ack class="message">`); if the
   * connection closes first, it is delivered again (`requeueUnacknowledged`). `offline` marks a replay
   * of the offline queue (the copy sent carries `offline="1"`, the copy kept does not).
   */
  sendTo(device: CompanionDevice, conn: SimConnection, node: BinaryNode, opts: { offline?: boolean } = {}): void {
    const id = node.attrs.id
    if (node.tag === 'message' && id && !conn.closed) {
      let pending = device.unacked.get(conn)
      if (!pending) {
        pending = new Map()
        device.unacked.set(conn, pending)
      }
      pending.set(id, node)
    }
    conn.send(opts.offline ? { ...node, attrs: { ...node.attrs, offline: '1' } } : node)
  }

  /** The device answered these message ids on `conn` (a receipt of any type, or a message ack, nack included). */
  acknowledged(conn: SimConnection, ids: readonly string[]): void {
    const identity = conn.identity
    const device = identity ? this.registry.findUser(identity.phone)?.devices.get(identity.deviceId) : undefined
    const pending = device?.unacked.get(conn)
    if (!pending) return
    for (const id of ids) pending.delete(id)
  }

  /**
   * `conn` (logged in as `device`) closed: the messages it never acknowledged go back to the device,
   * in their order, to another open connection of the device if there is one (a login that replaced
   * this one), else to the front of the offline queue for the next login; ids already queued are not
   * queued twice.
   */
  requeueUnacknowledged(conn: SimConnection, device: CompanionDevice): void {
    const pending = device.unacked.get(conn)
    device.unacked.delete(conn)
    if (!pending?.size) return
    const open = [...device.connections].filter((c) => c !== conn && !c.closed)
    if (open.length) {
      for (const node of pending.values()) for (const c of open) this.sendTo(device, c, node)
      return
    }
    const queued = new Set(device.offline.flatMap((n) => (n.tag === 'message' && n.attrs.id ? [n.attrs.id] : [])))
    const back = [...pending.values()].filter((n) => !queued.has(n.attrs.id ?? ''))
    device.offline.unshift(...back)
    if (device.offline.length > OFFLINE_QUEUE_LIMIT) device.offline.splice(0, device.offline.length - OFFLINE_QUEUE_LIMIT)
    this.log.debug({ conn: conn.label, requeued: back.length }, 'unacknowledged messages queued for the next login')
  }

  /** An `<ack>` from a companion: a message ack (or nack) settles that message on this connection. */
  ackFromCompanion(conn: SimConnection, node: BinaryNode): void {
    if (node.attrs.class !== 'message' || !node.attrs.id) return
    if (node.attrs.error)
      this.log.debug({ conn: conn.label, id: node.attrs.id, error: node.attrs.error }, 'companion refused a message (nack)')
    this.acknowledged(conn, [node.attrs.id])
  }

  /** A `<message>` from a logged-in companion. Processed strictly in order per connection. */
  fromCompanion(conn: SimConnection, node: BinaryNode): void {
    const prev = this.chains.get(conn) ?? Promise.resolve()
    const next = prev
      .then(() => this.route(conn, node))
      .catch((err: unknown) => this.log.warn({ conn: conn.label, err: errorMessage(err) }, 'failed to route message'))
    this.chains.set(conn, next)
  }

  private async route(conn: SimConnection, node: BinaryNode): Promise<void> {
    const identity = conn.identity
    if (!identity) return
    const sender = this.registry.findUser(identity.phone)
    if (!sender) return
    const senderJid = sender.pnJid(identity.deviceId)
    const id = node.attrs.id ?? messageId()
    const to = node.attrs.to ?? ''
    this.stats.messagesFromCompanions++
    const refusal = sender.ackErrors
    if (refusal && refusal.remaining > 0) {
      // WhatsApp refuses the message (e.g. 463 for a restricted account): an error ack, nothing delivered.
      refusal.remaining--
      if (refusal.remaining === 0) sender.ackErrors = undefined
      this.stats.messagesRefused++
      conn.send({ tag: 'ack', attrs: { class: 'message', id, from: to, t: unixSeconds(), error: String(refusal.code) } })
      return
    }
    conn.send({ tag: 'ack', attrs: { class: 'message', id, from: to, t: unixSeconds() } })
    const participants = getBinaryNodeChildren(getBinaryNodeChild(node, 'participants'), 'to')
    const targets = participants.length
      ? participants.flatMap((p) => {
          const enc = getBinaryNodeChild(p, 'enc')
          return enc && p.attrs.jid ? [{ jid: p.attrs.jid, enc }] : []
        })
      : getBinaryNodeChildren(node, 'enc').map((enc) => ({ jid: to, enc }))
    const deviceIdentity = getBinaryNodeChild(node, 'device-identity')
    const receiptsFrom = new Set<SimUser>()
    for (const { jid, enc } of targets) {
      const target = this.registry.resolveJid(jid)
      if (!target) {
        this.log.debug({ jid }, 'message for an unknown device dropped')
        continue
      }
      if (target.deviceId === 0) {
        const encType = enc.attrs.type === 'pkmsg' ? 'pkmsg' : 'msg'
        let message: proto.Message
        try {
          message = await target.user.phoneSignal.decrypt(senderJid, encType, contentBuffer(enc.content))
        } catch (err) {
          this.stats.decryptFailures++
          this.log.warn({ from: senderJid, to: jid, err: errorMessage(err) }, 'simulated phone could not decrypt')
          continue
        }
        const summary = target.user === sender ? undefined : summarizeMessage(message)
        if (summary) {
          const media = await this.inspectMedia(id, message)
          target.user.addInbox({
            id,
            from: senderJid,
            fromPhone: sender.phone,
            ...summary,
            ...(media ? { media } : {}),
            encType,
            timestamp: Date.now(),
          })
          this.events.onInbox?.(target.user, id)
          receiptsFrom.add(target.user)
        }
        continue
      }
      const device = target.user.devices.get(target.deviceId)
      if (!device) continue
      const own = target.user === sender
      this.deliver(device, {
        tag: 'message',
        attrs: {
          from: senderJid,
          sender_lid: sender.lidJid(),
          ...(own ? { recipient: to } : {}),
          id,
          t: unixSeconds(),
          type: node.attrs.type ?? 'text',
          notify: sender.name,
        },
        content: [enc, ...(deviceIdentity ? [deviceIdentity] : [])],
      })
      this.stats.messagesToCompanions++
    }
    for (const recipient of receiptsFrom) this.scheduleReceipts(recipient, sender, id)
  }

  /** The recipient's phone acknowledges a message to every companion of the sender. */
  private scheduleReceipts(recipient: SimUser, sender: SimUser, id: string): void {
    const { delivery, read, delayMs } = recipient.receipts
    if (!delivery && !read) return
    const send = () => {
      if (delivery) this.phoneReceipt(recipient, sender, id, 'delivery')
      if (read) this.phoneReceipt(recipient, sender, id, 'read')
    }
    if (delayMs <= 0) {
      send()
      return
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      send()
    }, delayMs)
    this.timers.add(timer)
  }

  /**
   * One receipt from `recipient`'s phone to every companion of `sender`. A `retry` receipt carries
   * the phone's registration id, as a device that failed to decrypt sends it; Baileys then re-sends
   * the message (read back through its getMessage) to that phone.
   */
  phoneReceipt(recipient: SimUser, sender: SimUser, id: string, type: 'delivery' | 'read' | 'played' | 'retry'): void {
    const t = unixSeconds()
    const receipt: BinaryNode = {
      tag: 'receipt',
      attrs: { from: recipient.pnJid(), id, t, ...(type === 'delivery' ? {} : { type }) },
      content:
        type === 'retry'
          ? [
              { tag: 'retry', attrs: { count: '1', id, t, v: '1' } },
              { tag: 'registration', attrs: {}, content: bigEndian(recipient.phoneSignal.creds.registrationId, 4) },
            ]
          : undefined,
    }
    for (const device of sender.devices.values()) this.deliver(device, receipt)
    this.stats.receiptsSent++
  }

  private async inspectMedia(id: string, message: proto.IMessage) {
    if (!this.media) return undefined
    try {
      return await this.media.inspect(id, message)
    } catch (err) {
      this.stats.decryptFailures++
      this.log.warn({ id, err: errorMessage(err) }, 'simulated phone could not decrypt the media')
      return undefined
    }
  }

  /**
   * A media retry request (`receipt type=server-error`, Baileys' updateMediaMessage): the phone that
   * sent the media re-uploads it and the server answers with a `mediaretry` notification carrying the
   * new direct path, encrypted with the retry key derived from the media key (AES-GCM, the message id
   * as associated data). An unknown message is answered with an error (NOT_FOUND).
   */
  private mediaRetry(conn: SimConnection, node: BinaryNode): void {
    const id = node.attrs.id ?? ''
    const rmr = getBinaryNodeChild(node, 'rmr')
    this.stats.mediaRetries++
    const mediaKey = this.media?.mediaKeyOf(id)
    const retryKey = mediaKey ? hkdf(mediaKey, 32, { info: 'WhatsApp Media Retry Notification' }) : undefined
    let valid = false
    try {
      const encrypt = getBinaryNodeChild(node, 'encrypt')
      const encP = getBinaryNodeChildBuffer(encrypt, 'enc_p')
      const encIv = getBinaryNodeChildBuffer(encrypt, 'enc_iv')
      if (retryKey && encP && encIv) {
        const receipt = proto.ServerErrorReceipt.decode(aesDecryptGCM(encP, retryKey, encIv, Buffer.from(id)))
        valid = receipt.stanzaId === id
      }
    } catch {
      valid = false
    }
    const reupload = valid ? this.media?.reupload(id) : undefined
    const attrs = { from: S_WHATSAPP_NET, type: 'mediaretry', id, t: unixSeconds() }
    const rmrNode: BinaryNode = { tag: 'rmr', attrs: { ...(rmr?.attrs ?? {}) } }
    if (!reupload || !retryKey) {
      conn.send({ tag: 'notification', attrs, content: [rmrNode, { tag: 'error', attrs: { code: '2' } }] })
      return
    }
    const iv = crypto.randomBytes(12)
    const plain = proto.MediaRetryNotification.encode({
      stanzaId: id,
      directPath: reupload.directPath,
      result: proto.MediaRetryNotification.ResultType.SUCCESS,
    }).finish()
    const ciphertext = aesEncryptGCM(plain, retryKey, iv, Buffer.from(id))
    conn.send({
      tag: 'notification',
      attrs,
      content: [
        rmrNode,
        {
          tag: 'encrypt',
          attrs: {},
          content: [
            { tag: 'enc_p', attrs: {}, content: ciphertext },
            { tag: 'enc_iv', attrs: {}, content: iv },
          ],
        },
      ],
    })
  }

  /** A `<receipt>` from a companion: ack it, update the sending phone's record, relay to the sender's companions. */
  receiptFromCompanion(conn: SimConnection, node: BinaryNode): void {
    const { id = '', to = S_WHATSAPP_NET, type } = node.attrs
    conn.send({ tag: 'ack', attrs: { id, class: 'receipt', from: to, ...(type ? { type } : {}) } })
    const listed = getBinaryNodeChildren(getBinaryNodeChild(node, 'list'), 'item').map((i) => i.attrs.id ?? '')
    this.acknowledged(conn, [id, ...listed].filter(Boolean))
    if (type === 'server-error') {
      this.mediaRetry(conn, node)
      return
    }
    const identity = conn.identity
    const reader = identity ? this.registry.findUser(identity.phone) : undefined
    const target = this.registry.resolveJid(to)
    if (!reader || !target || target.user === reader) return
    if (type && type !== 'read' && type !== 'played') return
    const ids = [id, ...getBinaryNodeChildren(getBinaryNodeChild(node, 'list'), 'item').map((i) => i.attrs.id ?? '')].filter(Boolean)
    for (const sent of target.user.sent) {
      if (!ids.includes(sent.id)) continue
      if (type === 'read' || type === 'played') sent.status = 'read'
      else if (sent.status === 'sent') sent.status = 'delivered'
    }
    const relay: BinaryNode = {
      tag: 'receipt',
      attrs: { from: reader.pnJid(), id, t: unixSeconds(), ...(type ? { type } : {}) },
      content: node.content,
    }
    for (const device of target.user.devices.values()) this.deliver(device, relay)
  }

  /**
   * The phone of `from` sends `message` to every companion of `to` (and, when `to` is another user,
   * it also lands in that user's phone inbox). `onlyDevice` limits it to one companion.
   */
  async phoneSend(
    from: SimUser,
    to: SimUser,
    message: proto.IMessage,
    opts: { attrs?: Record<string, string>; onlyDevice?: CompanionDevice } = {},
  ): Promise<{ id: string; encTypes: EncType[] }> {
    const id = messageId()
    const encTypes: EncType[] = []
    const devices = opts.onlyDevice ? [opts.onlyDevice] : [...to.devices.values()]
    for (const device of devices) {
      const jid = to.pnJid(device.id)
      if (!(await from.phoneSignal.hasSession(jid))) {
        const bundle = this.directory.bundleFor(jid)
        if (!bundle) continue
        await from.phoneSignal.startSession(jid, bundle)
      }
      const { type, ciphertext } = await from.phoneSignal.encrypt(jid, message)
      encTypes.push(type)
      this.deliver(device, {
        tag: 'message',
        // sender_lid: WhatsApp names the other address form of a PN-addressed sender (Baileys 7: remoteJidAlt)
        attrs: { from: from.pnJid(), sender_lid: from.lidJid(), id, t: unixSeconds(), type: 'text', notify: from.name, ...opts.attrs },
        content: [{ tag: 'enc', attrs: { v: '2', type }, content: ciphertext }],
      })
      this.stats.messagesToCompanions++
    }
    if (to !== from && !opts.onlyDevice) {
      const summary = summarizeMessage(message)
      if (summary) {
        to.addInbox({ id, from: from.pnJid(), fromPhone: from.phone, ...summary, encType: 'local', timestamp: Date.now() })
        this.events.onInbox?.(to, id)
      }
    }
    return { id, encTypes }
  }

  /**
   * What the phone does right after linking: an INITIAL_BOOTSTRAP history-sync notification (empty,
   * inline). Without it Baileys waits 20 s in AwaitingInitialSync before emitting events.
   */
  async pushInitialHistory(user: SimUser, device: CompanionDevice): Promise<void> {
    const history = proto.HistorySync.encode({
      syncType: proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP,
      conversations: [],
      pushnames: [{ id: user.pnJid(), pushname: user.name }],
      progress: 100,
    }).finish()
    await this.phoneSend(
      user,
      user,
      {
        protocolMessage: {
          type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION,
          historySyncNotification: {
            syncType: proto.Message.HistorySyncType.INITIAL_BOOTSTRAP,
            initialHistBootstrapInlinePayload: deflateSync(history),
            progress: 100,
          },
        },
      },
      { attrs: { category: 'peer', push_priority: 'high_force' }, onlyDevice: device },
    )
  }
}
