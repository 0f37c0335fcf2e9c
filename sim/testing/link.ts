/**
 * Test helper: link a fresh Baileys companion to a simulated user the way a person would (QR shown by
 * Baileys → the phone scans → 515 → reconnect with saved creds → open).
 */
import type { UserFacingSocketConfig } from '@whiskeysockets/baileys'
import type { Simulator } from '../simulator'
import { createTestClient, deviceIdOf, makeMemoryAuth, type MemoryAuth, type TestClient } from './baileys-client'

export type LinkedClient = { client: TestClient; auth: MemoryAuth; deviceId: number }

export const linkWithQr = async (sim: Simulator, phone: string, config: Partial<UserFacingSocketConfig> = {}): Promise<LinkedClient> => {
  const auth = makeMemoryAuth()
  const pairing = createTestClient({ wsUrl: sim.wsUrl, auth, config })
  try {
    const qr = await pairing.waitForQr()
    await sim.scan(phone, qr)
    const closed = await pairing.waitForClose()
    if (closed.statusCode !== 515) throw new Error(`expected 515 after linking, got ${JSON.stringify(closed)}`)
  } finally {
    await pairing.end()
  }
  const client = createTestClient({ wsUrl: sim.wsUrl, auth, config })
  await client.waitForOpen()
  return { client, auth, deviceId: deviceIdOf(auth) }
}

/** Reconnects with saved creds (a gateway restart) and waits for open. */
export const reconnect = async (sim: Simulator, auth: MemoryAuth, config: Partial<UserFacingSocketConfig> = {}): Promise<TestClient> => {
  const client = createTestClient({ wsUrl: sim.wsUrl, auth, config })
  await client.waitForOpen()
  return client
}
