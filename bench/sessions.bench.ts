/**
 * Sessions benchmark: `node --expose-gc --import tsx bench/sessions.bench.ts [N …]` (default 200 1000 2000)
 *
 * The simulator runs in its own process; this process is the gateway's session layer (the same
 * SessionManager, SQLite auth store and Baileys sockets server.ts builds). For each N it seeds N
 * linked accounts (companions provisioned on the simulator, their creds written through our encrypted
 * store, status `connected` as before a restart), then measures a restart: `restore()` until all N
 * are connected, and the RSS / heap each connected session costs. Progress (status counts, event-loop
 * delay, heap) is printed every 15 s; BENCH_LOG=file writes the gateway's logs to a file.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import os from 'node:os'
import path from 'node:path'
import pino from 'pino'
import { createLogger } from '@/lib/logger'
import { benchGateway } from './support/core'
import { procCpuSeconds, seedLinkedAccount } from './support/gateway-seed'
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

/** Targets by size (seconds to all connected after a restart, gateway RSS in MB once connected). */
const TARGETS: Record<number, { restartS: number; rssMB?: number }> = {
  200: { restartS: 15 },
  1000: { restartS: 30, rssMB: 1024 },
  2000: { restartS: 60, rssMB: 1536 },
}
/** Event-loop delay p99 target once every session is connected and idle. */
const IDLE_LOOP_DELAY_P99_MS = 100
/** How long the idle event-loop delay is sampled. */
const IDLE_WINDOW_MS = 20_000

const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED')

export async function run(sizes = [200, 1000]) {
  const results: Record<string, number | string>[] = []
  for (const n of sizes) results.push(await runOnce(n))
  return results
}

async function runOnce(n: number) {
  const sim = await startSimProcess()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-sessions-'))
  // BENCH_LOG=file: the gateway's logs (info and up) go there, for finding out why sessions close.
  const logger = process.env.BENCH_LOG
    ? pino({ level: 'info' }, pino.destination({ dest: process.env.BENCH_LOG, sync: false }))
    : createLogger({ level: 'silent' })
  // Each phase is a gateway process's life: a new gateway (lib/gateway.ts) on the same data folder.
  const encryptionKey = crypto.randomBytes(32).toString('hex')
  const statusOf = new Map<string, string>()
  const reasons = new Map<string, number>()
  const start = async () => {
    const gw = await benchGateway({ dir, wsUrl: sim.wsUrl, encryptionKey, logger })
    // The current status of every account, and how often each kind of close happened (reasons).
    gw.bus.on('account.status', (e) => {
      statusOf.set(e.accountId, e.status)
      if (e.status !== 'connected' && e.status !== 'connecting' && e.reason) {
        const key = `${e.status}: ${e.reason.replace(/; retrying in .*$/, '')}`
        reasons.set(key, (reasons.get(key) ?? 0) + 1)
      }
    })
    gw.start({ restoreSessions: false })
    return gw
  }
  let gw = await start()
  const { db, keyring } = gw
  try {
    // Seed n linked accounts (+1 for warm-up), as a previous run of the gateway would have left them.
    const t0 = performance.now()
    for (let i = 0; i <= n; i++) {
      await seedLinkedAccount({ sim, db, keyring, logger, id: `bench-${i}`, phone: String(17_000_000_000 + i), name: `Bench ${i}` })
    }
    const seedMs = performance.now() - t0

    // First start: every account logs in once (uploading its pre-keys, receiving the history
    // bootstrap), exactly as after linking. Not the figure under test, but reported.
    const countConnected = () => [...statusOf.values()].filter((s) => s === 'connected').length
    const loopDelay = monitorEventLoopDelay({ resolution: 20 })
    loopDelay.enable()
    /**
     * Waits until `count` accounts are connected at the same time. Prints progress every 15 s (status
     * counts, event-loop delay, heap) and gives up after 120 s without progress, saying what it saw.
     */
    const waitAll = async (count: number, phase: string): Promise<boolean> => {
      const started = Date.now()
      let best = 0
      let lastProgress = Date.now()
      let lastPrint = Date.now()
      for (;;) {
        const now = countConnected()
        if (now >= count) return true
        if (now > best) {
          best = now
          lastProgress = Date.now()
        }
        if (Date.now() - lastPrint >= 15_000) {
          lastPrint = Date.now()
          const byStatus: Record<string, number> = {}
          for (const st of statusOf.values()) byStatus[st] = (byStatus[st] ?? 0) + 1
          console.log(
            `  [${phase} +${Math.round((Date.now() - started) / 1000)} s] ${JSON.stringify(byStatus)}, event-loop delay p99 ${Math.round(loopDelay.percentile(99) / 1e6)} ms, heap ${Math.round(process.memoryUsage().heapUsed / MB)} MB, rss ${Math.round(process.memoryUsage().rss / MB)} MB`,
          )
          loopDelay.reset()
        }
        if (Date.now() - lastProgress > 120_000) {
          console.log(
            `  [${phase}] no progress for 120 s at ${now}/${count} connected; closes seen: ${JSON.stringify(Object.fromEntries(reasons))}`,
          )
          return false
        }
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    const tFirst = performance.now()
    await gw.sessions.restore()
    const firstOk = await waitAll(n + 1, 'first login')
    const firstLoginMs = performance.now() - tFirst
    console.log(
      `  first login: ${countConnected()}/${n + 1} connected after ${(firstLoginMs / 1000).toFixed(1)} s; closes seen: ${JSON.stringify(Object.fromEntries(reasons))}`,
    )
    await gw.stop()
    reasons.clear()

    // Baseline: one connected session, so Baileys' modules and a first socket are in it.
    statusOf.clear()
    gw = await start()
    await gw.sessions.connect('bench-0')
    await waitAll(1, 'baseline')
    const base = await settle()
    await gw.stop()

    // The restart under test: a new gateway restores every account that was connected.
    statusOf.clear()
    gw = await start()
    const t1 = performance.now()
    const cpu0 = process.cpuUsage()
    const simCpu0 = procCpuSeconds(sim.child.pid)
    const profiler = process.env.BENCH_PROFILE ? await startProfiler() : undefined
    await gw.sessions.restore()
    const restoreOk = await waitAll(n + 1, 'restart')
    const restoreMs = performance.now() - t1
    await profiler?.stop(process.env.BENCH_PROFILE ?? '')
    const cpu = process.cpuUsage(cpu0)
    const gatewayCpuSeconds = (cpu.user + cpu.system) / 1e6
    const simCpuSeconds = procCpuSeconds(sim.child.pid) - simCpu0
    const after = await settle()
    // Idle: every session connected, nothing to do but keep-alives. The loop should stay responsive.
    const idleDelay = monitorEventLoopDelay({ resolution: 10 })
    idleDelay.enable()
    await new Promise((r) => setTimeout(r, IDLE_WINDOW_MS))
    idleDelay.disable()
    const idleP99Ms = idleDelay.percentile(99) / 1e6
    const rssPer = (after.rss - base.rss) / n / MB
    const heapPer = (after.heapUsed - base.heapUsed) / n / MB
    const res = {
      accounts: n,
      connected: countConnected() - 1,
      complete: String(firstOk && restoreOk),
      seedSeconds: +(seedMs / 1000).toFixed(1),
      firstLoginAllSeconds: +(firstLoginMs / 1000).toFixed(1),
      restoreToAllConnectedSeconds: +(restoreMs / 1000).toFixed(2),
      gatewayCpuSeconds: +gatewayCpuSeconds.toFixed(1),
      simCpuSeconds: +simCpuSeconds.toFixed(1),
      rssPerSessionMB: +rssPer.toFixed(2),
      heapPerSessionMB: +heapPer.toFixed(2),
      gatewayRssMB: Math.round(after.rss / MB),
      idleLoopDelayP99Ms: +idleP99Ms.toFixed(1),
      liveSockets: gw.sessions.liveSockets(),
    }
    const target = TARGETS[n]
    // A phase that stalled (waitAll gave up after 120 s without progress) has no "all connected" time to report.
    const firstLogin = firstOk
      ? `first login of all ${res.firstLoginAllSeconds} s`
      : `first login STALLED (gave up after ${res.firstLoginAllSeconds} s)`
    const restart = restoreOk
      ? `restart → all connected in ${res.restoreToAllConnectedSeconds} s`
      : `restart STALLED: not all connected, gave up after ${res.restoreToAllConnectedSeconds} s`
    const checks = [
      target ? `restart ≤ ${target.restartS} s: ${verdict(restoreOk && res.restoreToAllConnectedSeconds <= target.restartS)}` : null,
      target?.rssMB ? `gateway RSS ≤ ${target.rssMB} MB: ${verdict(res.gatewayRssMB <= target.rssMB)}` : null,
      n <= 200 ? `RSS ≤ 2 MB/session: ${verdict(res.rssPerSessionMB <= 2)}` : null,
      `idle event-loop delay p99 ≤ ${IDLE_LOOP_DELAY_P99_MS} ms: ${verdict(res.idleLoopDelayP99Ms <= IDLE_LOOP_DELAY_P99_MS)}`,
    ].filter(Boolean)
    console.log(
      `sessions N=${n} on Node ${process.version}: ${firstLogin}; ${res.connected}/${n} connected, ${restart} ` +
        `(CPU during restore: gateway ${res.gatewayCpuSeconds} s, simulator ${res.simCpuSeconds} s), ` +
        `RSS ${res.rssPerSessionMB} MB/session, heap ${res.heapPerSessionMB} MB/session, gateway RSS ${res.gatewayRssMB} MB, ` +
        `idle event-loop delay p99 ${res.idleLoopDelayP99Ms} ms\n  targets: ${checks.join('; ')}`,
    )
    return res
  } finally {
    await gw.stop()
    fs.rmSync(dir, { recursive: true, force: true })
    await sim.stop()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((x) => x > 0)
  await run(sizes.length ? sizes : [200, 1000, 2000])
  process.exit(0)
}
