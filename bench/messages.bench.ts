/**
 * Messages benchmark: `node --expose-gc --import tsx bench/messages.bench.ts`
 *
 * The simulator runs in its own process; this process is the gateway's core (SessionManager +
 * MessageService with its SQLite queue, as server.ts builds them). 50 linked accounts, pacing off,
 * each sending to its own simulated contact.
 *
 * (a) throughput: every account's queue is kept fed for BENCH_MESSAGES_SECONDS (60); the figure is
 *     what the simulator accepted (its `messages.fromCompanions` counter) per second. Target ≥ 500/s.
 * (b) added latency at 200 msg/s (open loop, round robin): from `messages.send()` being called to the
 *     queue handing the message to Baileys (`sock.send`), i.e. what the gateway adds before WhatsApp's
 *     own client code runs; Baileys' send time is printed beside it. Target p99 ≤ 50 ms.
 * (c) a 10 s CPU profile under (a)'s load: the functions with the most self time, and the CPU seconds
 *     of both processes, say what bounds (a). BENCH_PROFILE=file also writes the .cpuprofile.
 */
import fs from 'node:fs'
import os from 'node:os'
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'
import type { WaSocket } from '@/lib/whatsapp/socket'
import { quietLibsignalConsole } from '../sim/contacts/quiet-libsignal'
import { procCpuSeconds, seedLinkedAccount } from './support/gateway-seed'
import { startBenchCore } from './support/core'
import { percentile, runIfMain, sleep } from './support/util'

quietLibsignalConsole()

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 50)
const SECONDS = Number(process.env.BENCH_MESSAGES_SECONDS ?? 60)
const LATENCY_RATE = 200
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 20)
const TARGET_RATE = 500
const TARGET_P99_MS = 50
/** queued messages kept per account during (a): enough that no queue ever runs dry */
const BACKLOG = 20

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }

async function profileFor(ms: number, file?: string): Promise<{ name: string; share: number }[]> {
  const { Session } = await import('node:inspector/promises')
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  await sleep(ms)
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: { nodes: ProfileNode[] } }
  session.disconnect()
  if (file) fs.writeFileSync(file, JSON.stringify(profile))
  const self = new Map<string, number>()
  let total = 0
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0
    total += hits
    const where = n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/wt-[^/]+\//, '')
    const name = `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber + 1}`
    self.set(name, (self.get(name) ?? 0) + hits)
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([name, hits]) => ({ name, share: hits / Math.max(1, total) }))
}

export async function run() {
  const core = await startBenchCore('messages')
  const { sim, db, logger, keyring, manager, gw } = core

  // When the queue hands each message to Baileys, and how long Baileys takes to write it.
  const handedAt = new Map<string, number>()
  /** messages accepted and not yet handed to Baileys, per account (the feeder's view, no queries) */
  const outstanding = new Map<string, number>()
  /** the account each contact's messages come from (every account writes to its own contact) */
  const accountOfJid = new Map<string, string>()
  const baileysMs: number[] = []
  const sockets = new WeakMap<WaSocket, WaSocket>()
  const timed = (sock: WaSocket | undefined): WaSocket | undefined => {
    if (!sock) return undefined
    let wrapped = sockets.get(sock)
    if (!wrapped) {
      wrapped = {
        ...sock,
        send: async (jid, content, opts) => {
          const t = performance.now()
          handedAt.set(opts.messageId, t)
          const acc = accountOfJid.get(jid)
          if (acc) outstanding.set(acc, (outstanding.get(acc) ?? 0) - 1)
          const res = await sock.send(jid, content, opts)
          baileysMs.push(performance.now() - t)
          return res
        },
      }
      sockets.set(sock, wrapped)
    }
    return wrapped
  }
  // Instrumentation, this benchmark's only: the send queue asks the session manager for each account's
  // socket; the answer is wrapped so the hand-over to Baileys and Baileys' own time are measured.
  const connectedSocket = manager.connectedSocket.bind(manager)
  manager.connectedSocket = (id) => timed(connectedSocket(id))
  const { messages } = gw
  try {
    const contacts: string[] = []
    for (let i = 0; i < ACCOUNTS; i++) {
      const phone = String(4915200000000 + i)
      const contact = String(15552000000 + i)
      contacts.push(contact)
      accountOfJid.set(`${contact}@s.whatsapp.net`, `bench-${i}`)
      await sim.call('POST', '/users', { phone: contact, name: `Contact ${i}` })
      await sim.call('POST', `/users/${contact}/receipts`, { delivery: false, read: false })
      await seedLinkedAccount({ sim, db, keyring, logger, id: `bench-${i}`, phone, name: `Bench ${i}` })
    }
    gw.start({ restoreSessions: false })
    const connectMs = await core.connectAll(ACCOUNTS, `bench-${ACCOUNTS - 1}`)
    console.log(`  ${ACCOUNTS} accounts connected in ${(connectMs / 1000).toFixed(1)} s`)
    const send = async (i: number, n: number) => {
      const id = `bench-${i}`
      // counted before the call: the queue may hand it to Baileys before send() returns here
      outstanding.set(id, (outstanding.get(id) ?? 0) + 1)
      return messages.send(id, { to: `+${contacts[i]}`, type: 'text', text: { body: `bench ${n}` } })
    }
    const drained = async () => {
      while ([...outstanding.values()].some((v) => v > 0)) await sleep(100)
    }
    // Warm-up: one message per account opens every Signal session (pkmsg), as a running gateway has.
    await Promise.all(contacts.map((_, i) => send(i, -1)))
    await drained()

    const stats = () => sim.call<{ messages: { fromCompanions: number } }>('GET', '/stats').then((s) => s.messages.fromCompanions)

    // (a) throughput, and (c) a profile in its middle
    let n = 0
    const feed = { on: true }
    const feeder = (async () => {
      while (feed.on) {
        for (let i = 0; i < ACCOUNTS; i++) {
          const missing = BACKLOG - (outstanding.get(`bench-${i}`) ?? 0)
          for (let k = 0; k < missing; k++) await send(i, n++)
        }
        await sleep(20)
      }
    })()
    await sleep(2000) // queues full
    const a0 = await stats()
    const cpuGw0 = process.cpuUsage()
    const cpuSim0 = procCpuSeconds(sim.child.pid)
    const ta = performance.now()
    const perWindow: number[] = []
    let last = a0
    let hot: { name: string; share: number }[] = []
    let windowStart = performance.now()
    for (let s = 0; s < SECONDS; s += 10) {
      const window = Math.min(10, SECONDS - s)
      if (s === 20 || (SECONDS <= 20 && s === 0)) hot = await profileFor(window * 1000, process.env.BENCH_PROFILE)
      else await sleep(window * 1000)
      const now = await stats()
      // the real length of the window: timers run late when the event loop is saturated
      const t = performance.now()
      perWindow.push((now - last) / ((t - windowStart) / 1000))
      last = now
      windowStart = t
    }
    const elapsed = (performance.now() - ta) / 1000
    const accepted = (await stats()) - a0
    const cpuGw = process.cpuUsage(cpuGw0)
    const gwCpuS = (cpuGw.user + cpuGw.system) / 1e6
    const simCpuS = procCpuSeconds(sim.child.pid) - cpuSim0
    feed.on = false
    await feeder
    // let the backlog drain before measuring latency
    await drained()
    const rate = accepted / elapsed

    // (b) added latency at 200 msg/s, open loop
    handedAt.clear()
    baileysMs.length = 0
    /** when each (b) message was given to send(), by WhatsApp id */
    const calledAt = new Map<string, number>()
    const total = LATENCY_RATE * LATENCY_SECONDS
    // what else held the event loop meanwhile: its delay, and the GC pauses within it
    const eld = monitorEventLoopDelay({ resolution: 5 })
    const gcPauses: number[] = []
    const gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gcPauses.push(e.duration)
    })
    gcObserver.observe({ entryTypes: ['gc'] })
    eld.enable()
    const heapBefore = process.memoryUsage().heapUsed
    const tb = performance.now()
    for (let k = 0; k < total; k++) {
      const due = tb + (k * 1000) / LATENCY_RATE
      const wait = due - performance.now()
      if (wait > 1) await sleep(wait)
      const t = performance.now()
      const m = await send(k % ACCOUNTS, k)
      calledAt.set(m.waMessageId, t)
    }
    // One check every 50 ms for the stragglers, not a timer per message: 4,000 pollers waking every
    // few milliseconds were themselves load on the event loop being measured.
    for (let tries = 0; tries < 200 && [...calledAt.keys()].some((id) => !handedAt.has(id)); tries++) await sleep(50)
    const added = [...calledAt].flatMap(([id, t]) => {
      const h = handedAt.get(id)
      return h === undefined ? [] : [h - t]
    })
    eld.disable()
    gcObserver.disconnect()
    gcPauses.sort((x, y) => x - y)
    added.sort((x, y) => x - y)
    const bl = [...baileysMs].sort((x, y) => x - y)
    const p99 = percentile(added, 99)

    console.log(
      `  (a) throughput, ${ACCOUNTS} accounts, pacing off, ${elapsed.toFixed(0)} s: ${rate.toFixed(0)} msg/s accepted by the simulator (target ≥ ${TARGET_RATE}: ${rate >= TARGET_RATE ? 'met' : 'MISSED'})`,
    )
    console.log(`      per 10 s window: ${perWindow.map((r) => r.toFixed(0)).join(', ')} msg/s`)
    console.log(
      `      CPU: gateway ${gwCpuS.toFixed(1)} s (${((gwCpuS / elapsed) * 100).toFixed(0)} % of a core), simulator ${simCpuS.toFixed(1)} s (${((simCpuS / elapsed) * 100).toFixed(0)} %), ${os.cpus().length} cores`,
    )
    console.log(
      `  (b) added latency at ${LATENCY_RATE} msg/s (send() → handed to Baileys), ${added.length} sends: p50 ${percentile(added, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (target ≤ ${TARGET_P99_MS}: ${p99 <= TARGET_P99_MS ? 'met' : 'MISSED'})`,
    )
    console.log(`      Baileys' own sendMessage: p50 ${percentile(bl, 50).toFixed(1)} ms, p99 ${percentile(bl, 99).toFixed(1)} ms`)
    console.log(
      `      meanwhile: event-loop delay p99 ${(eld.percentile(99) / 1e6).toFixed(1)} ms, max ${(eld.max / 1e6).toFixed(1)} ms; ${gcPauses.length} GC pauses, ${gcPauses.reduce((a, b) => a + b, 0).toFixed(0)} ms in all, longest ${(gcPauses.at(-1) ?? 0).toFixed(1)} ms; heap ${(heapBefore / 1048576).toFixed(0)} → ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MB`,
    )
    console.log('  (c) gateway CPU profile under (a), self time:')
    for (const h of hot) console.log(`      ${(h.share * 100).toFixed(1).padStart(5)} %  ${h.name}`)
    return { rate, p50: percentile(added, 50), p99 }
  } finally {
    await core.close()
  }
}

runIfMain(import.meta.url, run)
