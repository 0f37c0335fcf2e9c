import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Simulator, startSimulator } from '../../sim'
import { quietLibsignalConsole } from '../../sim/contacts/quiet-libsignal'
import { until } from '../support/gateway-harness'
import { apiClient, eventually, type GatewayProcess, linkAccountByQr, startGateway } from '../support/gateway-process'

/**
 * libsignal prints whole Signal sessions (private keys, root and chain keys) with console.info when
 * a contact's session is replaced. The real gateway, with stdout piped (not a terminal, so JSON
 * logs) and at debug level, goes through a real replacement: a contact whose phone forgot its
 * sessions (the simulator's reset, as after a reinstall) sends again, so the gateway's Baileys
 * receives a pre-key message that closes the old session.
 */
const API_KEY = 'test-gateway-api-key-secret-logs-0123456789'
const SHOP = '4915100000031'
const ANN = '15551234531'

let sim: Simulator
let gw: GatewayProcess
let dataDir: string
let api: ReturnType<typeof apiClient>

beforeAll(async () => {
  // the simulator's own contacts run libsignal in this test process; their narration is not under test
  quietLibsignalConsole()
  sim = await startSimulator({ port: 0 })
  sim.createUser({ phone: SHOP, name: 'Shop' })
  sim.createUser({ phone: ANN, name: 'Ann' })
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-secret-logs-'))
  gw = await startGateway({ DATA_DIR: dataDir, WA_WS_URL: sim.wsUrl, GATEWAY_API_KEY: API_KEY, LOG_LEVEL: 'debug' })
  api = apiClient(gw.url, { authorization: `Bearer ${API_KEY}` })
}, 90_000)

afterAll(async () => {
  await (gw as GatewayProcess | undefined)?.stop()
  await (sim as Simulator | undefined)?.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

async function inboundTexts(): Promise<string[]> {
  const res = await api('GET', '/api/v1/accounts/shop/messages?direction=in&limit=50')
  return (res.json.data as { text?: string | null }[]).map((m) => m.text ?? '')
}

describe('Signal key material never reaches the gateway’s stdout or stderr', () => {
  it('a contact’s session replaced mid-conversation is logged as JSON facts, without keys', async () => {
    await linkAccountByQr(api, sim, { id: 'shop', phone: SHOP })

    await sim.sendText(ANN, SHOP, 'before the reinstall')
    await eventually(async () => (await inboundTexts()).includes('before the reinstall'), 15_000, 'the first message logged')
    // the gateway answers, so it holds an open session of its own with Ann's phone too
    const sent = await api('POST', '/api/v1/accounts/shop/messages', { to: `+${ANN}`, type: 'text', text: { body: 'hello Ann' } })
    expect(sent.status).toBe(202)
    await until(() => sim.inbox(ANN).some((e) => e.text === 'hello Ann'), 15_000, 'the reply at Ann')

    // Ann's phone forgets its sessions: her next message is a pre-key message that replaces the old session
    expect(sim.resetSessions(ANN).sessions).toBeGreaterThan(0)
    await sim.sendText(ANN, SHOP, 'after the reinstall')
    await eventually(async () => (await inboundTexts()).includes('after the reinstall'), 15_000, 'the second message logged')
    const closed = await until(
      () => gw.stdout.find((line) => line.includes('"libsignal":"session closed"')),
      10_000,
      'the session change in the log',
    )
    // the replacement is visible to an operator as facts about the session, not the session itself
    expect(JSON.parse(closed)).toMatchObject({ component: 'libsignal', session: { kind: 'signal-session', open: true } })

    // and the conversation goes on over the new session
    const again = await api('POST', '/api/v1/accounts/shop/messages', { to: `+${ANN}`, type: 'text', text: { body: 'still here' } })
    expect(again.status).toBe(202)
    await until(() => sim.inbox(ANN).some((e) => e.text === 'still here'), 15_000, 'the next reply at Ann')

    const out = gw.stdout.join('\n')
    const err = gw.stderr.join('')
    for (const secret of ['privKey', 'rootKey', 'chainKey', 'Closing session', 'SessionEntry', 'currentRatchet']) {
      expect(out, `stdout has "${secret}"`).not.toContain(secret)
      expect(err, `stderr has "${secret}"`).not.toContain(secret)
    }
    const notJson = gw.stdout.filter((line) => {
      if (line.trim() === '') return false
      try {
        const value: unknown = JSON.parse(line)
        return typeof value !== 'object' || value === null || Array.isArray(value)
      } catch {
        return true
      }
    })
    expect(notJson).toEqual([])
  }, 120_000)
})

describe('the dependency seams report themselves at start (docs/upstream.md)', () => {
  it('the real server logs one line saying every seam engaged, and no socket warned that one did not', async () => {
    const line = await until(() => gw.stdout.find((l) => l.includes('"msg":"dependency seams checked"')), 10_000, 'the seams line')
    const logged = JSON.parse(line) as { level: number; seams: Record<string, { engaged: boolean }> }
    expect(logged.level).toBe(30)
    expect(Object.keys(logged.seams).sort()).toEqual(
      ['curve25519Native', 'decryptJournal', 'fastBufferKeys', 'libsignalConsole', 'mediaCache', 'messagesAtEmit', 'retryCache'].sort(),
    )
    for (const [name, state] of Object.entries(logged.seams)) expect({ name, ...state }).toEqual({ name, engaged: true })
    expect(gw.stdout.filter((l) => l.includes('a Baileys seam did not engage'))).toEqual([])
  })
})
