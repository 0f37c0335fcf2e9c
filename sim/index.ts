/**
 * Loopback WhatsApp Web simulator. In-process use (tests):
 *
 *   const sim = await startSimulator({ port: 0 })
 *   makeWASocket({ waWebSocketUrl: sim.wsUrl, ... })
 *   await sim.close()
 */
import { mountAdminApi } from './admin-api'
import { Simulator, type SimulatorOptions } from './simulator'

export type { LinkResult } from './pairing'
export type { InboxEntry, ReceiptSettings, SentEntry } from './registry'
export type { ContactCard, MessageSummary } from './contacts/summarize'
export { ContactMessageInput, buildVcard } from './contacts/compose'
export { parseVcard } from './contacts/summarize'
export type { DeviceView, UserView } from './views'
export type { FaultSettings, ProvisionedCompanion, ReceiptUpdate, SimulatorOptions, SimulatorStats } from './simulator'
export { BAILEYS_STATUS_FOR, DISCONNECT_DESCRIPTIONS, DISCONNECT_KINDS, type DisconnectKind } from './faults'
export { SimError } from './errors'
export { Simulator }

/** Starts a simulator (WebSocket + admin API on one port) and resolves once it listens. */
export const startSimulator = async (options: SimulatorOptions = {}): Promise<Simulator> => {
  const sim = new Simulator(options)
  mountAdminApi(sim)
  await sim.listen()
  return sim
}
