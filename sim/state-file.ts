/**
 * Optional persistence (`--state FILE`): users, their linked companions (noise key, Signal bundle,
 * remaining pre-keys), phones' Signal state and inboxes, as JSON (Buffers via Baileys' BufferJSON).
 * Writes are debounced by one shared timer and atomic (temp file + rename).
 */
import { BufferJSON, type KeyPair } from '@whiskeysockets/baileys'
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { z } from 'zod'
import type { SimLogger } from './logger'
import { PreKeyPool } from './prekey-pool'
import { type CompanionDevice, type InboxEntry, type LinkMethod, type ReceiptSettings, Registry, SimUser } from './registry'

type DeviceSnapshot = {
  id: number
  keyIndex: number
  noiseKey: Buffer
  platform?: string
  linkedAt: number
  linkedVia: LinkMethod
  registrationId: number
  identity: Buffer
  signedPreKey: { keyId: number; publicKey: Buffer; signature: Buffer }
  preKeys: Buffer
  historySent: boolean
}

type UserSnapshot = {
  phone: string
  name: string
  lid: string
  accountKey: KeyPair
  nextDeviceId: number
  nextKeyIndex: number
  receipts: ReceiptSettings
  phoneState?: string
  devices: DeviceSnapshot[]
  inbox: InboxEntry[]
}

type Snapshot = { version: 1; nextLid: number; users: UserSnapshot[] }

const snapshotShape = z.object({ version: z.literal(1), nextLid: z.number().int(), users: z.array(z.looseObject({ phone: z.string() })) })

export const snapshotRegistry = (registry: Registry): Snapshot => ({
  version: 1,
  nextLid: registry.nextLid,
  users: [...registry.users()].map((user) => ({
    phone: user.phone,
    name: user.name,
    lid: user.lid,
    accountKey: user.accountKey,
    nextDeviceId: user.nextDeviceId,
    nextKeyIndex: user.nextKeyIndex,
    receipts: user.receipts,
    phoneState: user.phoneStateJSON(),
    inbox: user.inbox,
    devices: [...user.devices.values()].map((d) => ({
      id: d.id,
      keyIndex: d.keyIndex,
      noiseKey: d.noiseKey,
      platform: d.platform,
      linkedAt: d.linkedAt,
      linkedVia: d.linkedVia,
      registrationId: d.keys.registrationId,
      identity: d.keys.identity,
      signedPreKey: d.keys.signedPreKey,
      preKeys: d.keys.preKeys.pack(),
      historySent: d.historySent,
    })),
  })),
})

export const restoreRegistry = (registry: Registry, snapshot: Snapshot): void => {
  registry.nextLid = snapshot.nextLid
  for (const u of snapshot.users) {
    const user = new SimUser(u.phone, u.name, u.lid, u.accountKey, u.phoneState)
    user.nextDeviceId = u.nextDeviceId
    user.nextKeyIndex = u.nextKeyIndex
    user.receipts = u.receipts
    user.inbox = u.inbox
    for (const d of u.devices) {
      const device: CompanionDevice = {
        id: d.id,
        keyIndex: d.keyIndex,
        noiseKey: d.noiseKey,
        platform: d.platform,
        linkedAt: d.linkedAt,
        linkedVia: d.linkedVia,
        keys: { registrationId: d.registrationId, identity: d.identity, signedPreKey: d.signedPreKey, preKeys: new PreKeyPool(d.preKeys) },
        historySent: d.historySent,
        offline: [],
        unacked: new Map(),
        connections: new Set(),
        logins: 0,
      }
      user.devices.set(d.id, device)
    }
    registry.addUser(user)
  }
}

export class StateFile {
  private timer: NodeJS.Timeout | undefined

  constructor(
    readonly path: string,
    private readonly registry: Registry,
    private readonly log: SimLogger,
    private readonly debounceMs = 200,
  ) {}

  /** Loads the file into the registry; a missing file means a fresh state. A corrupt file throws. */
  load(): boolean {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw err
    }
    const parsed: unknown = JSON.parse(text, BufferJSON.reviver)
    const check = snapshotShape.safeParse(parsed)
    if (!check.success) throw new Error(`state file ${this.path} is not a simulator state (version 1): ${check.error.message}`)
    restoreRegistry(this.registry, parsed as Snapshot)
    this.log.info({ path: this.path, users: this.registry.userCount }, 'state loaded')
    return true
  }

  scheduleSave(): void {
    if (this.timer) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.saveNow()
    }, this.debounceMs)
    this.timer.unref()
  }

  saveNow(): void {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    const tmp = `${this.path}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify(snapshotRegistry(this.registry), BufferJSON.replacer))
    renameSync(tmp, this.path)
    this.log.debug({ path: this.path }, 'state saved')
  }
}
