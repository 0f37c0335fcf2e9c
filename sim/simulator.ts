/**
 * The simulator: one HTTP server on one port carrying the WhatsApp Web WebSocket (`/ws/chat`) and the
 * admin API (`/admin/*`), plus the in-process API that mirrors the admin API.
 */
import { type AuthenticationCreds, type BinaryNode, Curve } from '@whiskeysockets/baileys'
import { EventEmitter } from 'node:events'
import type { AddressInfo } from 'node:net'
import { provisionCompanion } from './adv'
import {
  composeMediaMessage,
  composeMessage,
  overrideMediaFields,
  type ContactMediaInput,
  type ContactMessageInput,
} from './contacts/compose'
import { MediaHost } from './media/host'
import { MediaStore } from './media/store'
import { type CertificateAuthority, defaultCaDir, issueServerCertificate, loadOrCreateCa } from './media/tls'
import { Directory } from './directory'
import { SimError } from './errors'
import { applyDisconnect, type DisconnectKind, type UpgradeFaultSettings, UpgradeFaults } from './faults'
import { IqRouter } from './iq-router'
import { createSimLogger, type SimLogger } from './logger'
import { handleHandshake } from './login'
import { waitForEvent } from './wait'
import { messageId, unixSeconds } from './nodes'
import { type LinkResult, Pairing } from './pairing'
import { type InboxEntry, type ReceiptSettings, Registry, type SentEntry, type SimUser } from './registry'
import { Router } from './routing'
import { StateFile } from './state-file'
import { buildCertChain, makeCertificateAuthority } from './transport/certificate'
import type { SimConnection } from './transport/connection'
import { type HttpHandler, WsServer } from './transport/ws-server'
import { type DeviceView, deviceView, type UserView, userView } from './views'

export type SimulatorOptions = {
  /** default 9400; 0 picks a free port */
  port?: number
  /** default 127.0.0.1 */
  host?: string
  /** JSON file to load on start and keep up to date (optional) */
  statePath?: string
  /** pino logger; default: silent unless SIM_LOG_LEVEL is set */
  logger?: SimLogger
  /** QR refs offered per registration (Baileys closes with 408 when they run out); default 6 */
  qrRefs?: number
  /** push the INITIAL_BOOTSTRAP history sync on a companion's first login; default true */
  initialHistory?: boolean
  /** receipt behaviour for users created from now on */
  defaultReceipts?: Partial<ReceiptSettings>
  /**
   * folder of the media host's certificate authority (ca.pem, ca-key.pem; created on first use);
   * default SIM_CA_DIR or wa-sim-ca in the OS temp folder. A gateway trusts it via NODE_EXTRA_CA_CERTS.
   */
  caDir?: string
}

export type SimulatorStats = {
  users: number
  devices: number
  devicesOnline: number
  connections: { accepted: number; open: number; handshaked: number; upgradesRejected: number; pendingRegistrations: number }
  logins: { accepted: number; refused: number }
  messages: { fromCompanions: number; toCompanions: number; refused: number; decryptFailures: number; receiptsSent: number }
  media: { uploads: number; downloads: number; reuploads: number; retryRequests: number }
  iq: Record<string, number>
  memory: NodeJS.MemoryUsage
}

export type ProvisionedCompanion = LinkResult & { creds: AuthenticationCreds }

export type ReceiptUpdate = { delivery?: boolean; read?: boolean; delayMs?: number }

export type FaultSettings = Partial<UpgradeFaultSettings>

export class Simulator {
  readonly registry = new Registry()
  readonly log: SimLogger
  private readonly server: WsServer
  private readonly directory: Directory
  private readonly pairing: Pairing
  private readonly router: Router
  private readonly iq: IqRouter
  private readonly upgrades = new UpgradeFaults()
  private readonly stateFile: StateFile | undefined
  private readonly events = new EventEmitter()
  private readonly counters = { handshaked: 0, loginsAccepted: 0, loginsRefused: 0 }
  private readonly defaultReceipts: Partial<ReceiptSettings>
  private readonly ca: CertificateAuthority
  private readonly media: MediaStore
  private readonly mediaHost: MediaHost
  private address: AddressInfo | undefined
  private closing = false

  constructor(private readonly options: SimulatorOptions = {}) {
    this.log = options.logger ?? createSimLogger()
    this.events.setMaxListeners(0)
    this.defaultReceipts = options.defaultReceipts ?? {}
    this.directory = new Directory(this.registry)
    this.ca = loadOrCreateCa(options.caDir ?? defaultCaDir())
    this.media = new MediaStore()
    this.mediaHost = new MediaHost(this.media, issueServerCertificate(this.ca), this.log)
    this.router = new Router(
      this.registry,
      this.directory,
      this.log,
      {
        onInbox: (user, id) => {
          this.persist()
          this.events.emit('inbox', user.phone, id)
        },
      },
      this.media,
    )
    this.pairing = new Pairing(this.registry, this.log, { qrRefs: options.qrRefs ?? 6 }, (user, device) => {
      this.notifyDevicesChanged(user, device.id)
      this.events.emit('linked', user.phone, device.id)
    })
    this.iq = new IqRouter({
      registry: this.registry,
      directory: this.directory,
      pairing: this.pairing,
      router: this.router,
      log: this.log,
      unlink: (user, deviceId) => this.unlinkDevice(user, deviceId),
      persist: () => this.persist(),
      initialHistory: options.initialHistory ?? true,
      mediaConn: () => ({ hostname: this.mediaHost.hostname, auth: this.media.auth }),
    })
    if (options.statePath) {
      this.stateFile = new StateFile(options.statePath, this.registry, this.log)
      this.stateFile.load()
      this.registry.onChange = () => this.persist()
    }
    const serverStatic = Curve.generateKeyPair()
    const certChain = buildCertChain(makeCertificateAuthority(), serverStatic.public)
    this.server = new WsServer(
      { serverStatic, certChain },
      {
        onHandshake: (conn, payload) =>
          handleHandshake(
            {
              registry: this.registry,
              pairing: this.pairing,
              router: this.router,
              log: this.log,
              counters: this.counters,
              onLogin: (phone) => this.events.emit('login', phone),
            },
            conn,
            payload,
          ),
        onNode: (conn, node) => this.onNode(conn, node),
        onClose: (conn) => this.onConnectionClosed(conn),
      },
      this.upgrades,
      this.log,
    )
  }

  /** Installs the HTTP handler for everything that is not the WebSocket (the admin API). */
  setHttpHandler(handler: HttpHandler): void {
    this.server.setHttpHandler(handler)
  }

  async listen(): Promise<void> {
    this.address = await this.server.listen(this.options.port ?? 9400, this.options.host ?? '127.0.0.1')
    await this.mediaHost.listen(this.options.host ?? '127.0.0.1')
    this.log.info({ wsUrl: this.wsUrl, adminUrl: this.adminUrl, mediaUrl: this.mediaUrl, caPath: this.caPath }, 'simulator listening')
  }

  /** The HTTPS media host's base URL (loopback, certificate signed by the simulator's CA). */
  get mediaUrl(): string {
    return `https://${this.mediaHost.hostname}`
  }

  /** The CA certificate file (PEM) a gateway trusts through NODE_EXTRA_CA_CERTS. */
  get caPath(): string {
    return this.ca.certPath
  }

  get caPem(): string {
    return this.ca.certPem
  }

  get port(): number {
    if (!this.address) throw new Error('simulator is not listening')
    return this.address.port
  }

  get host(): string {
    const host = this.address?.address ?? this.options.host ?? '127.0.0.1'
    return host.includes(':') ? `[${host}]` : host
  }

  get wsUrl(): string {
    return `ws://${this.host}:${this.port}/ws/chat`
  }

  get adminUrl(): string {
    return `http://${this.host}:${this.port}/admin`
  }

  private onNode(conn: SimConnection, node: BinaryNode): void {
    switch (node.tag) {
      case 'iq':
        this.iq.handle(conn, node)
        return
      case 'message':
        if (conn.identity) this.router.fromCompanion(conn, node)
        return
      case 'receipt':
        if (conn.identity) this.router.receiptFromCompanion(conn, node)
        return
      case 'ack':
        if (conn.identity) this.router.ackFromCompanion(conn, node)
        return
      default:
        // presence, chatstate, ib: nothing to answer
        return
    }
  }

  private onConnectionClosed(conn: SimConnection): void {
    this.pairing.forget(conn)
    if (conn.identity) {
      const device = this.registry.findUser(conn.identity.phone)?.devices.get(conn.identity.deviceId)
      device?.connections.delete(conn)
      if (device) this.router.requeueUnacknowledged(conn, device)
      this.events.emit('logout', conn.identity.phone, conn.identity.deviceId)
    }
  }

  private persist(): void {
    this.stateFile?.scheduleSave()
  }

  private unlinkDevice(user: SimUser, deviceId: number): void {
    const device = this.registry.removeCompanion(user, deviceId)
    if (!device) return
    for (const conn of device.connections) conn.streamError(401, { tag: 'conflict', attrs: { type: 'device_removed' } })
    this.log.info({ jid: user.pnJid(deviceId) }, 'companion unlinked by the phone')
    this.notifyDevicesChanged(user, deviceId)
  }

  /**
   * Tells online companions that `user`'s device list changed, so Baileys drops its cached list and
   * encrypts for the new set on the next send (the real server notifies contacts the same way).
   */
  private notifyDevicesChanged(user: SimUser, deviceId: number): void {
    const node: BinaryNode = {
      tag: 'notification',
      attrs: { from: user.pnJid(), type: 'devices', id: messageId(), t: unixSeconds() },
      content: [
        {
          tag: 'update',
          attrs: {},
          content: [
            { tag: 'device', attrs: { jid: user.pnJid(deviceId) } },
            { tag: 'device', attrs: { jid: user.lidJid(deviceId) } },
          ],
        },
      ],
    }
    for (const conn of this.server.connections) {
      if (conn.identity && !(conn.identity.phone === user.phone && conn.identity.deviceId === deviceId)) conn.send(node)
    }
  }

  // ------------------------------------------------------------------ in-process API (mirrors the admin API)

  createUser(input: { phone: string; name?: string }): UserView {
    const user = this.registry.createUser(input.phone, input.name)
    Object.assign(user.receipts, this.defaultReceipts)
    return userView(user)
  }

  listUsers(): UserView[] {
    return [...this.registry.users()].map(userView)
  }

  getUser(phone: string): UserView {
    return userView(this.registry.getUser(phone))
  }

  getDevice(phone: string, deviceId: number): DeviceView {
    const { user, device } = this.registry.getDevice(phone, deviceId)
    return deviceView(user, device)
  }

  /** The phone of `phone` scans a QR string shown by a companion (`connection.update.qr`). */
  scan(phone: string, qr: string): Promise<LinkResult> {
    return this.pairing.scan(phone, qr)
  }

  /** The phone of `phone` enters the code a companion shows (`requestPairingCode`). */
  enterPairingCode(phone: string, code: string): Promise<LinkResult> {
    return this.pairing.enterPairingCode(phone, code)
  }

  /**
   * Links a companion without a socket and returns creds Baileys can log in with directly (as after
   * QR linking + 515). For seeding many accounts in tests and benchmarks.
   */
  provisionCompanion(phone: string, opts: { platform?: string } = {}): ProvisionedCompanion {
    const user = this.registry.getUser(phone)
    const linked = provisionCompanion(this.registry, user, opts.platform)
    this.notifyDevicesChanged(user, linked.deviceId)
    return linked
  }
  /** `from`'s phone sends a text to `to` (a simulated user): every companion of `to` receives it. */
  sendText(from: string, to: string, text: string): Promise<{ id: string; encTypes: string[] }> {
    return this.sendMessage(from, { type: 'text', to, text })
  }

  /**
   * `from`'s phone sends any non-media kind to `to`: a text (with mentions, or quoting `quotedId`), a
   * location, contact cards, a reaction to, an edit of or a delete of an earlier message (by id,
   * whichever side sent it). 404 `unknown_message` when a target id is not in that conversation.
   */
  async sendMessage(from: string, input: ContactMessageInput): Promise<{ id: string; encTypes: string[] }> {
    const sender = this.registry.getUser(from)
    const recipient = this.registry.getUser(input.to)
    const find = (id: string) => {
      const own = sender.sent.find((s) => s.id === id && s.to === recipient.phone)
      if (own) return { fromMe: true, text: own.text }
      const got = sender.inbox.find((e) => e.id === id && e.fromPhone === recipient.phone)
      return got ? { fromMe: false, text: got.editedText ?? got.text } : undefined
    }
    const targetId = 'targetId' in input ? input.targetId : input.quotedId
    if (targetId && !find(targetId)) {
      throw new SimError('unknown_message', `no message ${targetId} between ${sender.phone} and ${recipient.phone}`)
    }
    if ((input.type === 'edit' || input.type === 'delete') && !find(input.targetId)?.fromMe) {
      throw new SimError('conflict', `${sender.phone} can only ${input.type} its own messages`)
    }
    const { message, text } = composeMessage(input, { selfJid: sender.pnJid(), peerJid: recipient.pnJid(), find })
    const result = await this.router.phoneSend(sender, recipient, message)
    sender.addSent({ id: result.id, to: recipient.phone, type: input.type, text, timestamp: Date.now(), status: 'sent' })
    if (input.type === 'edit') {
      const own = sender.sent.find((s) => s.id === input.targetId)
      if (own) own.text = input.text
    }
    return result
  }

  /**
   * `from`'s phone sends media to `to`: the bytes are encrypted with a fresh media key and stored on
   * the media host, and the media message (image, video, audio or voice note, document, sticker)
   * goes to every companion of `to`. The phone keeps the media key to answer a re-upload request.
   * `input.override` makes it a hostile contact (the message points elsewhere or declares no hashes).
   */
  async sendMedia(from: string, input: ContactMediaInput): Promise<{ id: string; encTypes: string[] }> {
    const sender = this.registry.getUser(from)
    const recipient = this.registry.getUser(input.to)
    const stored = await this.media.encryptAndStore(input.type, input.data, this.mediaHost.hostname)
    const message = composeMediaMessage(input, overrideMediaFields(stored.fields, input.override))
    const result = await this.router.phoneSend(sender, recipient, message)
    this.media.rememberSent(result.id, { kind: input.type, mediaKey: stored.mediaKey, token: stored.token })
    sender.addSent({
      id: result.id,
      to: recipient.phone,
      type: input.type,
      text: input.caption ?? `[${input.type}]`,
      timestamp: Date.now(),
      status: 'sent',
    })
    return result
  }

  /**
   * The media of message `id` (sent by a phone or by a companion) expires on the media host: downloads
   * answer `status` (404 or 410) until the sender re-uploads it after a media retry request.
   */
  expireMedia(id: string, status: 404 | 410 = 404): void {
    if (!this.media.expire(id, status)) throw new SimError('unknown_message', `no media for message ${id}`)
  }

  /**
   * `phone`'s phone sends a receipt for a message it received: `delivery`, `read`, `played` (voice
   * notes and videos), or `retry` (it could not decrypt and asks the sender to send it again, which
   * Baileys answers from getMessage; the copy shows up as `resent` on the inbox entry).
   */
  sendReceipt(phone: string, id: string, type: 'delivery' | 'read' | 'played' | 'retry'): { to: string } {
    const user = this.registry.getUser(phone)
    const entry = user.inbox.find((e) => e.id === id)
    if (!entry) throw new SimError('unknown_message', `${user.phone} received no message ${id}`)
    const sender = this.registry.getUser(entry.fromPhone)
    this.router.phoneReceipt(user, sender, id, type)
    return { to: sender.phone }
  }

  /** What `phone`'s phone received (decrypted), oldest first. */
  inbox(phone: string): InboxEntry[] {
    return [...this.registry.getUser(phone).inbox]
  }

  clearInbox(phone: string): void {
    this.registry.getUser(phone).inbox = []
    this.persist()
  }

  /** Texts `phone`'s phone sent, with the best receipt its recipients' companions returned. */
  sent(phone: string): SentEntry[] {
    return this.registry.getUser(phone).sent.map((s) => ({ ...s }))
  }

  /** Resolves with the first inbox entry of `phone` matching `match` (already there or arriving later). */
  waitForInbox(phone: string, match: (e: InboxEntry) => boolean = () => true, timeoutMs = 10_000): Promise<InboxEntry> {
    const user = this.registry.getUser(phone)
    return waitForEvent(
      this.events,
      'inbox',
      (p: string) => (p === user.phone ? user.inbox.find(match) : undefined),
      () => user.inbox.find(match),
      timeoutMs,
      `inbox entry for ${phone}`,
    )
  }

  /** Resolves once `phone`'s device `deviceId` has an open, logged-in connection. */
  waitForOnline(phone: string, deviceId: number, timeoutMs = 10_000): Promise<DeviceView> {
    const check = () => {
      const user = this.registry.findUser(phone)
      const device = user?.devices.get(deviceId)
      return user && device && [...device.connections].some((c) => !c.closed) ? deviceView(user, device) : undefined
    }
    return waitForEvent(this.events, 'login', () => check(), check, timeoutMs, `device ${phone}:${deviceId} online`)
  }

  setReceipts(phone: string, update: ReceiptUpdate): ReceiptSettings {
    const user = this.registry.getUser(phone)
    const { delivery, read, delayMs } = update
    if (delivery !== undefined) user.receipts.delivery = delivery
    if (read !== undefined) user.receipts.read = read
    if (delayMs !== undefined) user.receipts.delayMs = delayMs
    this.persist()
    return { ...user.receipts }
  }

  /**
   * The server refuses the next `count` messages `phone`'s companions send with `<ack error=code>`
   * (463: the account is restricted); Baileys marks each ERROR with that code. count 0 ends it.
   */
  setAckErrors(phone: string, { code, count }: { code: number; count: number }): { code: number; remaining: number } | null {
    const user = this.registry.getUser(phone)
    user.ackErrors = count > 0 ? { code, remaining: count } : undefined
    return user.ackErrors ? { ...user.ackErrors } : null
  }

  /** Breaks the device's open connection(s) in the given way; 409 device_offline if it has none. */
  disconnect(phone: string, deviceId: number, kind: DisconnectKind): { connections: number } {
    const { user, device } = this.registry.getDevice(phone, deviceId)
    const conns = [...device.connections].filter((c) => !c.closed && !c.silent)
    if (!conns.length) throw new SimError('device_offline', `device ${user.pnJid(deviceId)} has no open connection`)
    for (const conn of conns) applyDisconnect(conn, kind)
    return { connections: conns.length }
  }

  /** The phone forgets its Signal sessions (a reinstall): its next message to each device opens a new one. */
  resetSessions(phone: string): { sessions: number } {
    return { sessions: this.registry.getUser(phone).phoneSignal.forgetSessions() }
  }

  /** The phone removes a linked device: its connection gets a 401 stream error and later logins fail with 401. */
  unlink(phone: string, deviceId: number): void {
    const { user } = this.registry.getDevice(phone, deviceId)
    this.unlinkDevice(user, deviceId)
  }

  setFaults(settings: FaultSettings): UpgradeFaultSettings & { rejected: number } {
    this.upgrades.set(settings)
    return this.upgrades.get()
  }

  getFaults(): UpgradeFaultSettings & { rejected: number } {
    return this.upgrades.get()
  }

  stats(): SimulatorStats {
    let devices = 0
    let online = 0
    for (const user of this.registry.users()) {
      for (const d of user.devices.values()) {
        devices++
        if ([...d.connections].some((c) => !c.closed)) online++
      }
    }
    return {
      users: this.registry.userCount,
      devices,
      devicesOnline: online,
      connections: {
        accepted: this.server.accepted,
        open: this.server.connections.size,
        handshaked: this.counters.handshaked,
        upgradesRejected: this.upgrades.rejected,
        pendingRegistrations: this.pairing.pendingCount,
      },
      logins: { accepted: this.counters.loginsAccepted, refused: this.counters.loginsRefused },
      messages: {
        fromCompanions: this.router.stats.messagesFromCompanions,
        toCompanions: this.router.stats.messagesToCompanions,
        refused: this.router.stats.messagesRefused,
        decryptFailures: this.router.stats.decryptFailures,
        receiptsSent: this.router.stats.receiptsSent,
      },
      media: {
        uploads: this.media.uploads,
        downloads: this.media.downloads,
        reuploads: this.media.reuploads,
        retryRequests: this.router.stats.mediaRetries,
      },
      iq: { ...this.iq.counts },
      memory: process.memoryUsage(),
    }
  }

  /** Stops listening, drops every connection (TCP reset) and writes the state file. */
  async close(): Promise<void> {
    if (this.closing) return
    this.closing = true
    this.router.close()
    await this.server.close()
    await this.mediaHost.close()
    this.media.close()
    this.stateFile?.saveNow()
    this.events.removeAllListeners()
  }
}
