/** Plain JSON views of the registry, shared by the in-process API and the admin API. */
import type { CompanionDevice, ReceiptSettings, SimUser } from './registry'

export type DeviceView = {
  deviceId: number
  jid: string
  lid: string
  keyIndex: number
  platform: string | null
  linkedVia: string
  linkedAt: string
  online: boolean
  /** logged-in connections open right now (more than 1 only for a moment, while the older is replaced) */
  openConnections: number
  /** logins accepted since the simulator started */
  logins: number
  /** one-time pre-keys the server still holds for it */
  preKeys: number
  /** stanzas waiting for it to come online */
  queued: number
  /** messages written to its open connection(s) it has not yet acknowledged (delivered again if the connection dies first) */
  unacknowledged: number
}

export type UserView = {
  phone: string
  name: string
  jid: string
  lid: string
  receipts: ReceiptSettings
  inboxSize: number
  devices: DeviceView[]
}

export const deviceView = (user: SimUser, d: CompanionDevice): DeviceView => {
  const open = [...d.connections].filter((c) => !c.closed).length
  return {
    deviceId: d.id,
    jid: user.pnJid(d.id),
    lid: user.lidJid(d.id),
    keyIndex: d.keyIndex,
    platform: d.platform ?? null,
    linkedVia: d.linkedVia,
    linkedAt: new Date(d.linkedAt).toISOString(),
    online: open > 0,
    openConnections: open,
    logins: d.logins,
    preKeys: d.keys.preKeys.size,
    queued: d.offline.length,
    unacknowledged: [...d.unacked.values()].reduce((n, m) => n + m.size, 0),
  }
}

export const userView = (user: SimUser): UserView => ({
  phone: user.phone,
  name: user.name,
  jid: user.pnJid(),
  lid: user.lidJid(),
  receipts: { ...user.receipts },
  inboxSize: user.inbox.length,
  devices: [...user.devices.values()].map((d) => deviceView(user, d)),
})
