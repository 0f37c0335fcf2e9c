/**
 * Sessions benchmark: `node --expose-gc --import tsx bench/sessions.bench.ts [N …]` (default 200 1000)
 *
 * The simulator runs in its own process; this process is the gateway's session layer (the same
 * SessionManager, SQLite auth store and Baileys sockets server.ts builds). For each N it seeds N
 * linked accounts (companions provisioned on the simulator, their creds written through our encrypted
 * store, status `connected` as before a restart), then measures a restart: `restore()` until all N
 * are connected, and the RSS / heap each connected session costs.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { AuthenticationCreds } from '@whiskeysockets/baileys'
import { createKeyring } from '@/lib/crypto/aead'
import { insertAccount, recordStatus } from '@/lib/db/accounts'
import { closeDb, openDb } from '@/lib/db/client'
import { EventBus } from '@/lib/events/bus'
import { createLogger } from '@/lib/logger'
import { DEFAULT_SESSION_CONFIG } from '@/lib/sessions/config'
import { SessionManager } from '@/lib/sessions/manager'
import { useSqliteAuthState } from '@/lib/whatsapp/auth-state'
import { startSimProcess } from './support/sim-process'

const MB = 1024 * 1024
const gc = () => (globalThis as { gc?: () => void }).gc?.()
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((r) => setTimeout(r, 200))
  }
  return process.memoryUsage()
}

/** BENCH_PROFILE=file.cpuprofile: a CPU profile of the restart phase only, for finding where time goes. */
async function startProfiler() {
  const { Session } = await import('node:inspector/promises')
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  return {
    async stop(file: string) {
      const { profile } = await session.post('Profiler.stop')
      fs.writeFileSync(file, JSON.stringify(profile))
      session.disconnect()
    },
  }
}

/** CPU seconds a process has used so far (Linux /proc). */
function procCpuSeconds(pid: number | undefined): number {
  if (!pid) return 0
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) / 100
}

export async function run(sizes = [200, 1000]) {
  const results: Array<Record<string, number | string>> = []
  for (const n of sizes) results.push(await runOnce(n))
  return results
}

async function runOnce(n: number) {
  const sim = await startSimProcess()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-sessions-'))
  const db = openDb(path.join(dir, 'gateway.db'))
  const logger = createLogger({ level: 'silent' })
  const bus = new EventBus(logger)
  const keyring = createKeyring({ current: crypto.randomBytes(32) })
  const config = { ...DEFAULT_SESSION_CONFIG, wsUrl: sim.wsUrl, baileysLogLevel: 'silent' }
  try {
    // Seed n linked accounts (+1 for warm-up), as a previous run of the gateway would have left them.
    const t0 = performance.now()
    for (let i = 0; i <= n; i++) {
      const phone = String(17_000_000_000 + i)
      await sim.call('POST', '/users', { phone, name: `Bench ${i}` })
      const { creds } = await sim.call<{ creds: AuthenticationCreds }>('POST', `/users/${phone}/devices`, {})
      const id = `bench-${i}`
      insertAccount({ db, id, name: id })
      const auth = useSqliteAuthState({ db, accountId: id, keyring, logger })
      Object.assign(auth.state.creds, creds)
      await auth.saveCreds()
      recordStatus({ db, id, status: 'connected', reason: null })
    }
    const seedMs = performance.now() - t0

    // First start: every account logs in once (uploading its pre-keys, receiving the history
    // bootstrap), exactly as after linking. Not the figure under test, but reported.
    let manager = new SessionManager({ db, bus, logger, keyring, config })
    let connected = 0
    bus.on('account.status', (e) => { if (e.status === 'connected') connected++ })
    const waitAll = async (count: number) => {
      const deadline = Date.now() + 600_000
      while (connected < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    }
    const tFirst = performance.now()
    await manager.restore()
    await waitAll(n + 1)
    const firstLoginMs = performance.now() - tFirst
    await manager.shutdown()

    // Baseline: one connected session, so Baileys' modules and a first socket are in it.
    manager = new SessionManager({ db, bus, logger, keyring, config })
    connected = 0
    await manager.connect('bench-0', 'bench')
    await waitAll(1)
    const base = await settle()
    await manager.shutdown()

    // The restart under test: a new manager restores every account that was connected.
    manager = new SessionManager({ db, bus, logger, keyring, config })
    connected = 0
    const t1 = performance.now()
    const cpu0 = process.cpuUsage()
    const simCpu0 = procCpuSeconds(sim.child.pid)
    const profiler = process.env.BENCH_PROFILE ? await startProfiler() : undefined
    await manager.restore()
    await waitAll(n + 1)
    const restoreMs = performance.now() - t1
    await profiler?.stop(process.env.BENCH_PROFILE ?? '')
    const cpu = process.cpuUsage(cpu0)
    const gatewayCpuSeconds = (cpu.user + cpu.system) / 1e6
    const simCpuSeconds = procCpuSeconds(sim.child.pid) - simCpu0
    const after = await settle()
    const rssPer = (after.rss - base.rss) / n / MB
    const heapPer = (after.heapUsed - base.heapUsed) / n / MB
    const res = {
      accounts: n,
      connected: connected - 1,
      seedSeconds: +(seedMs / 1000).toFixed(1),
      firstLoginAllSeconds: +(firstLoginMs / 1000).toFixed(1),
      restoreToAllConnectedSeconds: +(restoreMs / 1000).toFixed(2),
      gatewayCpuSeconds: +gatewayCpuSeconds.toFixed(1),
      simCpuSeconds: +simCpuSeconds.toFixed(1),
      rssPerSessionMB: +rssPer.toFixed(2),
      heapPerSessionMB: +heapPer.toFixed(2),
      gatewayRssMB: Math.round(after.rss / MB),
      liveSockets: manager.liveSockets(),
    }
    console.log(
      `sessions N=${n}: first login of all ${res.firstLoginAllSeconds} s; ${res.connected}/${n} connected, restart → all connected in ${res.restoreToAllConnectedSeconds} s (target ≤ 15 s at 200), ` +
        `(CPU during restore: gateway ${res.gatewayCpuSeconds} s, simulator ${res.simCpuSeconds} s), ` +
        `RSS ${res.rssPerSessionMB} MB/session (target ≤ 2 MB), heap ${res.heapPerSessionMB} MB/session, gateway RSS ${res.gatewayRssMB} MB`,
    )
    await manager.shutdown()
    return res
  } finally {
    closeDb(db)
    fs.rmSync(dir, { recursive: true, force: true })
    await sim.stop()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0)
  await run(sizes.length ? sizes : [200, 1000])
  process.exit(0)
}
