/**
 * Simulated users (each a primary phone plus the companions linked to it) and their devices. Lives for
 * the simulator's lifetime; `state-file.ts` can persist it across simulator restarts.
 */
import { type BinaryNode, Curve, jidDecode, type KeyPair } from '@whiskeysockets/baileys'
import type { MessageSummary } from './contacts/summarize'
import type { ReceivedMedia } from './media/store'
import { VirtualDevice } from './contacts/virtual-device'
import { SimError } from './errors'
import { PreKeyPool } from './prekey-pool'
import type { SimConnection } from './transport/connection'

export type LinkMethod = 'qr' | 'pairing_code' | 'provisioned'

export type CompanionKeys = {
  registrationId: number
  identity: Buffer
  signedPreKey: { keyId: number; publicKey: Buffer; signature: Buffer }
  preKeys: PreKeyPool
}

export type CompanionDevice = {
  id: number
  keyIndex: number
  /** the companion's Noise static key: proves who logs in */
  noiseKey: Buffer
  platform: string | undefined
  linkedAt: number
  linkedVia: LinkMethod
  keys: CompanionKeys
  /** the phone pushed the initial history-sync bootstrap (done once, on the first login) */
  historySent: boolean
  /** stanzas waiting for the device to come online (not persisted) */
  offline: BinaryNode[]
  /**
   * `<message>` stanzas written to each open connection that the device has not yet answered (its
   * receipt or ack), by id in send order; they go back to `offline` if that connection closes first
   */
  unacked: Map<SimConnection, Map<string, BinaryNode>>
  /** logged-in connections currently open (normally 0 or 1) */
  connections: Set<SimConnection>
  /** logins accepted for this device since the simulator started */
  logins: number
}

export type InboxEntry = MessageSummary & {
  id: string
  /** sender device jid, e.g. 15550001:3@s.whatsapp.net */
  from: string
  /** sender phone number */
  fromPhone: string
  /** Signal message type it arrived in */
  encType: 'pkmsg' | 'msg' | 'local'
  /** unix ms */
  timestamp: number
  /** set on the target when a later edit from the same sender arrived: the text shown now */
  editedText?: string
  /** set on the target when the sender deleted it for everyone */
  deleted?: boolean
  /** how many more copies of this id arrived (a sender answering a retry receipt re-sends it) */
  resent?: number
  /** a media message: what the phone decrypted (hash of the bytes, type, caption, file name, voice flag) */
  media?: ReceivedMedia
}

/** A message a simulated phone sent (admin sendText), with the best receipt a companion returned. */
export type SentEntry = {
  id: string
  to: string
  /** the message kind (text, location, contacts, reaction, edit, delete) */
  type: string
  /** the text, or a one-line summary for other kinds */
  text: string
  timestamp: number
  status: 'sent' | 'delivered' | 'read'
}

export type ReceiptSettings = { delivery: boolean; read: boolean; delayMs: number }

export const DEFAULT_RECEIPTS: ReceiptSettings = { delivery: true, read: false, delayMs: 50 }
const INBOX_LIMIT = 10_000
export const OFFLINE_QUEUE_LIMIT = 1_000

export class SimUser {
  devices = new Map<number, CompanionDevice>()
  inbox: InboxEntry[] = []
  sent: SentEntry[] = []
  receipts: ReceiptSettings = { ...DEFAULT_RECEIPTS }
  /** the server refuses this user's next `remaining` messages with `<ack error=code>` (e.g. 463, restricted) */
  ackErrors: { code: number; remaining: number } | undefined
  nextDeviceId = 2
  nextKeyIndex = 1
  private phoneDevice: VirtualDevice | undefined

  constructor(
    readonly phone: string,
    public name: string,
    readonly lid: string,
    /** ADV account signature key: signs every companion's device identity */
    readonly accountKey: KeyPair,
    private phoneState?: string,
  ) {}

  /** The primary phone as a Signal participant, created on first use. */
  get phoneSignal(): VirtualDevice {
    if (!this.phoneDevice) {
      this.phoneDevice = this.phoneState ? VirtualDevice.fromJSON(this.phoneState) : new VirtualDevice()
      this.phoneState = undefined
    }
    return this.phoneDevice
  }

  /** serialised phone Signal state, undefined if never used */
  phoneStateJSON(): string | undefined {
    return this.phoneDevice ? this.phoneDevice.toJSON() : this.phoneState
  }

  pnJid(device = 0): string {
    return device ? `${this.phone}:${device}@s.whatsapp.net` : `${this.phone}@s.whatsapp.net`
  }

  lidJid(device = 0): string {
    return device ? `${this.lid}:${device}@lid` : `${this.lid}@lid`
  }

  /**
   * Records what this phone received. A second copy of an id (a re-send after a retry receipt) is
   * counted, not listed twice; an edit or delete also marks the message it refers to, as the chat
   * on a phone would show it.
   */
  addInbox(entry: InboxEntry): void {
    const same = this.inbox.find((e) => e.id === entry.id && e.fromPhone === entry.fromPhone)
    if (same) {
      same.resent = (same.resent ?? 0) + 1
      return
    }
    const targetId = entry.edit?.targetId ?? entry.revoke?.targetId
    const target = targetId ? this.inbox.find((e) => e.id === targetId && e.fromPhone === entry.fromPhone) : undefined
    if (target && entry.edit) target.editedText = entry.edit.text
    if (target && entry.revoke) target.deleted = true
    this.inbox.push(entry)
    if (this.inbox.length > INBOX_LIMIT) this.inbox.splice(0, this.inbox.length - INBOX_LIMIT)
  }

  addSent(entry: SentEntry): void {
    this.sent.push(entry)
    if (this.sent.length > INBOX_LIMIT) this.sent.splice(0, this.sent.length - INBOX_LIMIT)
  }
}

/** Accepts digits with an optional leading +; WhatsApp numbers are E.164 without the +. */
export const normalizePhone = (input: string): string => {
  const phone = input.trim().replace(/^\+/, '')
  if (!/^[1-9]\d{4,14}$/.test(phone)) {
    throw new SimError('invalid_input', `invalid phone number "${input}": use 5 to 15 digits, country code first, no leading 0`)
  }
  return phone
}

export type ResolvedJid = { user: SimUser; deviceId: number; isLid: boolean }

export class Registry {
  private readonly byPhone = new Map<string, SimUser>()
  private readonly byLid = new Map<string, SimUser>()
  nextLid = 100000000000001
  /** called after any change worth persisting (the simulator sets it; until then there is nothing to do) */
  onChange: () => void = () => undefined

  createUser(phoneInput: string, name?: string): SimUser {
    const phone = normalizePhone(phoneInput)
    if (this.byPhone.has(phone)) throw new SimError('conflict', `user ${phone} already exists`)
    const given = name?.trim() ?? ''
    const user = new SimUser(phone, given === '' ? `User ${phone}` : given, String(this.nextLid++), Curve.generateKeyPair())
    this.addUser(user)
    this.onChange()
    return user
  }

  /** for the state file */
  addUser(user: SimUser): void {
    this.byPhone.set(user.phone, user)
    this.byLid.set(user.lid, user)
  }

  findUser(phoneInput: string): SimUser | undefined {
    const phone = phoneInput.trim().replace(/^\+/, '')
    return this.byPhone.get(phone)
  }

  getUser(phoneInput: string): SimUser {
    const user = this.findUser(phoneInput)
    if (!user) throw new SimError('not_found', `no simulated user ${phoneInput}`)
    return user
  }

  getDevice(phone: string, deviceId: number): { user: SimUser; device: CompanionDevice } {
    const user = this.getUser(phone)
    const device = user.devices.get(deviceId)
    if (!device) throw new SimError('not_found', `user ${user.phone} has no linked device ${deviceId}`)
    return { user, device }
  }

  users(): IterableIterator<SimUser> {
    return this.byPhone.values()
  }

  get userCount(): number {
    return this.byPhone.size
  }

  /** Any PN or LID jid (with or without device) → user and device id. */
  resolveJid(jid: string): ResolvedJid | undefined {
    const decoded = jidDecode(jid)
    if (!decoded?.user) return undefined
    const isLid = decoded.server === 'lid'
    const user = isLid
      ? this.byLid.get(decoded.user)
      : decoded.server === 's.whatsapp.net' || decoded.server === 'c.us'
        ? this.byPhone.get(decoded.user)
        : undefined
    return user ? { user, deviceId: decoded.device ?? 0, isLid } : undefined
  }

  addCompanion(
    user: SimUser,
    init: { noiseKey: Buffer; platform: string | undefined; linkedVia: LinkMethod; keys: Omit<CompanionKeys, 'preKeys'> },
    ids?: { id: number; keyIndex: number },
  ): CompanionDevice {
    const id = ids?.id ?? user.nextDeviceId++
    const keyIndex = ids?.keyIndex ?? user.nextKeyIndex++
    const device: CompanionDevice = {
      id,
      keyIndex,
      noiseKey: init.noiseKey,
      platform: init.platform,
      linkedAt: Date.now(),
      linkedVia: init.linkedVia,
      keys: { ...init.keys, preKeys: new PreKeyPool() },
      historySent: false,
      offline: [],
      unacked: new Map(),
      connections: new Set(),
      logins: 0,
    }
    user.devices.set(id, device)
    this.onChange()
    return device
  }

  removeCompanion(user: SimUser, deviceId: number): CompanionDevice | undefined {
    const device = user.devices.get(deviceId)
    if (!device) return undefined
    user.devices.delete(deviceId)
    this.onChange()
    return device
  }
}
