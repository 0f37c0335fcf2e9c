/**
 * What the server does once a Noise handshake completes: a registration payload starts linking; a
 * login payload is checked against the linked device's Noise key and answered with `<success>` (then
 * queued offline stanzas and the `<ib><offline count>` marker) or `<failure reason=401>`.
 */
import { type proto, S_WHATSAPP_NET } from '@whiskeysockets/baileys'
import type { SimLogger } from './logger'
import { unixSeconds } from './nodes'
import type { Pairing } from './pairing'
import type { Registry } from './registry'
import type { Router } from './routing'
import type { SimConnection } from './transport/connection'

export type LoginCounters = { handshaked: number; loginsAccepted: number; loginsRefused: number }

export const handleHandshake = (
  ctx: {
    registry: Registry
    pairing: Pairing
    router: Router
    log: SimLogger
    counters: LoginCounters
    onLogin(phone: string, deviceId: number): void
  },
  conn: SimConnection,
  payload: proto.ClientPayload,
): void => {
  ctx.counters.handshaked++
  if (payload.devicePairingData && !payload.username) {
    ctx.pairing.start(conn, payload.devicePairingData)
    return
  }
  const user = ctx.registry.findUser(String(payload.username ?? ''))
  const device = user?.devices.get(payload.device ?? 0)
  if (!user || !device || !conn.clientStatic || !device.noiseKey.equals(conn.clientStatic)) {
    ctx.counters.loginsRefused++
    ctx.log.info({ username: String(payload.username ?? ''), device: payload.device }, 'login refused: device not linked (failure 401)')
    conn.send({ tag: 'failure', attrs: { reason: '401', location: 'sim' } })
    return
  }
  for (const older of device.connections) {
    // the same device logged in twice: WhatsApp keeps the newer socket and replaces the older (440)
    if (!older.closed) older.streamError(undefined, { tag: 'conflict', attrs: { type: 'replaced' } })
  }
  conn.identity = { phone: user.phone, deviceId: device.id }
  device.connections.add(conn)
  device.logins++
  ctx.counters.loginsAccepted++
  conn.send({
    tag: 'success',
    attrs: { t: unixSeconds(), lid: user.lidJid(device.id), props: '1', location: 'sim', creation: unixSeconds() },
  })
  const queued = device.offline.splice(0)
  // each replayed message stays unacknowledged until the device answers it (it comes back if this connection dies first)
  for (const node of queued) ctx.router.sendTo(device, conn, node, { offline: true })
  conn.send({ tag: 'ib', attrs: { from: S_WHATSAPP_NET }, content: [{ tag: 'offline', attrs: { count: String(queued.length) } }] })
  ctx.log.info({ conn: conn.label, queued: queued.length }, 'companion logged in')
  ctx.onLogin(user.phone, device.id)
}
