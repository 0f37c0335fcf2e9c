/**
 * Webhooks benchmark (`npm run bench -- webhooks`). The simulator runs in its own process; this process
 * is the gateway's core as server.ts composes it (sessions, message log with its outbox, dispatcher,
 * delivery worker) on a real SQLite file, delivering to a local receiver over real HTTP.
 *
 * An inbound burst: while the 10 accounts are disconnected, their contacts send BENCH_WEBHOOK_MESSAGES
 * (3,000) texts, which the simulator keeps for them as WhatsApp does; then the accounts reconnect and
 * the whole backlog arrives at once, at the speed the gateway takes it (not the speed the simulator's
 * admin API accepts sends). Two endpoints receive every message: one ordered (the default: one
 * delivery in flight, in event order) and one that opted out of ordering.
 * (a) stored and queued per second: from the reconnect until every message is a stored row with both
 *     deliveries created (target ≥ 1,000/s);
 * (b) delivery latency per endpoint, event committed → request received, p50/p99 (target p99 ≤ 1 s);
 * (c) CPU seconds: the gateway's over (a)+(b), and the simulator's, for sending the burst and for
 *     replaying it.
 * The receiver runs in its own process (bench/support/receiver-process.mjs), as a real one would:
 * in this process it took event-loop turns and CPU that were then counted as the gateway's.
 */
import os from 'node:os'
import { parseCidrs } from '@/lib/net/outbound'
import { quietLibsignalConsole } from '../sim/contacts/quiet-libsignal'
import { procCpuSeconds, seedLinkedAccount } from './support/gateway-seed'
import { startBenchCore } from './support/core'
import { percentile, runIfMain, sleep } from './support/util'
import { startReceiverProcess } from './support/receiver'

quietLibsignalConsole()

const ACCOUNTS = 10
const TOTAL = Number(process.env.BENCH_WEBHOOK_MESSAGES ?? 3000)
const TARGET_RATE = 1000
const TARGET_P99_MS = 1000

export async function run() {
  const core = await startBenchCore('webhooks', {
    tune: {
      webhooks: {
        policy: { allowedCidrs: parseCidrs('127.0.0.1'), allowHttp: true, forbiddenCode: 'webhook_url_forbidden' },
        timeoutMs: 15_000,
        retry: { scheduleMs: [0, 5000, 300_000], jitter: 0.2, disableAfterMs: 86_400_000, maxRetryAfterMs: 60_000 },
        concurrency: 32,
        leaseMs: 35_000,
      },
    },
  })
  const { sim, db, logger, keyring, manager } = core
  const { webhooks } = core.gw
  const rx = await startReceiverProcess()
  const count = (sql: string) => (db.$client.prepare(sql).get() as { n: number }).n
  try {
    const pairs: { account: string; phone: string; contact: string }[] = []
    for (let i = 0; i < ACCOUNTS; i++) {
      const p = { account: `hook-${i}`, phone: String(4915400000000 + i), contact: String(15554000000 + i) }
      pairs.push(p)
      await sim.call('POST', '/users', { phone: p.contact, name: `Contact ${i}` })
      await seedLinkedAccount({ sim, db, keyring, logger, id: p.account, phone: p.phone, name: p.account })
    }
    webhooks.create(null, { url: rx.url('/in'), events: ['message.received'] })
    webhooks.create(null, { url: rx.url('/unordered'), events: ['message.received'], ordered: false })
    core.gw.start({ restoreSessions: false })
    await core.connectAll(ACCOUNTS, `hook-${ACCOUNTS - 1}`)
    // Warm-up: one message per contact opens every Signal session (pkmsg), as a running gateway has.
    await Promise.all(pairs.map((p) => sim.call('POST', `/users/${p.contact}/messages`, { type: 'text', to: p.phone, text: 'warm-up' })))
    const received = async () => {
      const c = await rx.counts()
      return { '/in': c['/in'] ?? 0, '/unordered': c['/unordered'] ?? 0 }
    }
    while (Object.values(await received()).some((n) => n < ACCOUNTS)) await sleep(50)
    const before = await received()
    const storedBefore = count(`select count(*) as n from messages where direction = 'in'`)
    const deliveriesBefore = count('select count(*) as n from webhook_deliveries')

    // The accounts go offline; their contacts send the burst, which the simulator keeps for them.
    for (const p of pairs) await manager.disconnect(p.account)
    const cpuSimSend0 = procCpuSeconds(sim.child.pid)
    const tSend = performance.now()
    const perContact = Math.ceil(TOTAL / ACCOUNTS)
    await Promise.all(
      pairs.map(async (p, i) => {
        for (let k = 0; k < perContact && i * perContact + k < TOTAL; k++)
          await sim.call('POST', `/users/${p.contact}/messages`, { type: 'text', to: p.phone, text: `burst ${i}-${k}` })
      }),
    )
    const sendS = (performance.now() - tSend) / 1000
    const simSendCpuS = procCpuSeconds(sim.child.pid) - cpuSimSend0

    const cpuGw0 = process.cpuUsage()
    const cpuSim0 = procCpuSeconds(sim.child.pid)
    const cpuRx0 = procCpuSeconds(rx.pid)
    const tStart = performance.now()
    for (const p of pairs) void manager.connect(p.account)
    let tQueued = 0
    for (;;) {
      const stored = count(`select count(*) as n from messages where direction = 'in'`) - storedBefore
      const queued = count('select count(*) as n from webhook_deliveries') - deliveriesBefore
      if (stored >= TOTAL && queued >= 2 * TOTAL) {
        tQueued = performance.now()
        break
      }
      if (performance.now() - tStart > 600_000) throw new Error(`burst not stored in 600 s (${stored} stored, ${queued} queued)`)
      await sleep(20)
    }
    for (;;) {
      const got = await received()
      if (got['/in'] - before['/in'] >= TOTAL && got['/unordered'] - before['/unordered'] >= TOTAL) break
      if (performance.now() - tStart > 600_000) throw new Error('burst not delivered in 600 s')
      await sleep(20)
    }
    const tDelivered = performance.now()
    const cpuGw = process.cpuUsage(cpuGw0)
    const gwCpuS = (cpuGw.user + cpuGw.system) / 1e6
    const simCpuS = procCpuSeconds(sim.child.pid) - cpuSim0
    const rxCpuS = procCpuSeconds(rx.pid) - cpuRx0

    // (b) latency: the event's commit time (events.created_at) → the receiver's clock when the request ended
    const createdAt = db.$client.prepare('select created_at as t from events where id = ?')
    const dump = await rx.dump()
    const latencies = (at: '/in' | '/unordered') =>
      dump
        .filter(([p]) => p === at)
        .slice(before[at])
        .map(([, id, t]) => t - (createdAt.get(id) as { t: number }).t)
        .sort((a, b) => a - b)
    const queuedS = (tQueued - tStart) / 1000
    const rate = TOTAL / queuedS
    console.log(`  ${ACCOUNTS} accounts, ${TOTAL} inbound texts, two endpoints on 127.0.0.1 (load avg ${os.loadavg()[0]?.toFixed(2)})`)
    console.log(
      `      the simulator took ${sendS.toFixed(1)} s and ${simSendCpuS.toFixed(1)} CPU s to accept and encrypt the burst while the accounts were offline`,
    )
    console.log(
      `  (a) stored and queued after the reconnect: ${TOTAL} in ${queuedS.toFixed(1)} s = ${rate.toFixed(0)} msg/s (target ≥ ${TARGET_RATE}: ${rate >= TARGET_RATE ? 'met' : 'MISSED'})`,
    )
    for (const [at, name] of [
      ['/in', 'ordered endpoint'],
      ['/unordered', 'unordered endpoint'],
    ] as const) {
      const l = latencies(at)
      console.log(
        `  (b) ${name}, event committed → received: p50 ${percentile(l, 50).toFixed(0)} ms, p99 ${percentile(l, 99).toFixed(0)} ms, max ${l.at(-1)?.toFixed(0)} ms (target p99 ≤ ${TARGET_P99_MS}: ${percentile(l, 99) <= TARGET_P99_MS ? 'met' : 'MISSED'})`,
      )
    }
    console.log(`      everything delivered ${((tDelivered - tStart) / 1000).toFixed(1)} s after the reconnect`)
    console.log(
      `  (c) CPU from the reconnect to the last delivery: gateway ${gwCpuS.toFixed(1)} s (${((1000 * gwCpuS) / TOTAL).toFixed(2)} ms per message, 2 deliveries each), simulator ${simCpuS.toFixed(1)} s replaying, receiver ${rxCpuS.toFixed(1)} s; 2 cores`,
    )
  } finally {
    await rx.close()
    await core.close()
  }
}

runIfMain(import.meta.url, run)
