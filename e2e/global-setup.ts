import fs from 'node:fs'
import { startSimulator } from '../sim'
import { quietLibsignalConsole } from '../sim/contacts/quiet-libsignal'

export const E2E_SIM_PORT = Number(process.env.E2E_SIM_PORT ?? 9411)

/**
 * Starts the loopback WhatsApp simulator the gateway under test connects to (WA_WS_URL in
 * playwright.config.ts); the specs drive the phone through its admin HTTP API.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  fs.rmSync('reports/.auth', { recursive: true, force: true })
  fs.mkdirSync('reports/.auth', { recursive: true })
  // the simulated contacts run libsignal in this process; its session narration is test noise here
  quietLibsignalConsole()
  const sim = await startSimulator({ port: E2E_SIM_PORT, host: '127.0.0.1' })
  return () => sim.close()
}
