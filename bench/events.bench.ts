/**
 * Event stream benchmark (`npm run bench -- events`). The simulator runs in its own process, and so do
 * the stream clients (bench/support/stream-clients.mjs); this process is the gateway's core as
 * server.ts composes it (sessions and the message log with its outbox on a real SQLite file) plus the
 * event streams, served over real HTTP on loopback the way the route serves them (the stream's
 * ReadableStream piped into Node's response, which waits for the socket to drain). Next's routing and
 * the API key check are not in the path: they cost the same per connection, not per event.
 *
 * (a) 1 stream, then (b) 20 streams, each while contacts send BENCH_EVENTS_RATE (400) texts a second
 *     for BENCH_EVENTS_SECONDS (15): events delivered per second in all, and the latency from the
 *     event's commit (its id's time) to its arrival at the client, p50/p99;
 * (c) memory per idle stream: heap and RSS after opening BENCH_EVENTS_IDLE (1,000) streams that get
 *     nothing, per stream.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import { STREAMABLE_TYPES } from '@/lib/events/stream-filter'
import { quietLibsignalConsole } from '../sim/contacts/quiet-libsignal'
import { procCpuSeconds, seedLinkedAccount } from './support/gateway-seed'
import { startBenchCore } from './support/core'
import { percentile, runIfMain, sleep } from './support/util'

quietLibsignalConsole()

const ACCOUNTS = 10
const RATE = Number(process.env.BENCH_EVENTS_RATE ?? 400)
const SECONDS = Number(process.env.BENCH_EVENTS_SECONDS ?? 15)
const IDLE = Number(process.env.BENCH_EVENTS_IDLE ?? 1000)

type Report = { events: number; perStream: number[]; latencies: number[] }

function startClients(url: string, streams: number) {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'support/stream-clients.mjs'), url, String(streams)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })
  const waiting: ((line: string) => void)[] = []
  lines.on('line', (line) => waiting.shift()?.(line))
  const next = () => new Promise<string>((resolve) => waiting.push(resolve))
  return {
    child,
    ready: next(),
    async report(): Promise<Report> {
      const answer = next()
      child.stdin.write('report\n')
      return JSON.parse(await answer) as Report
    },
    async close() {
      child.stdin.write('exit\n')
      if (child.exitCode === null) await once(child, 'exit')
    },
  }
}

export async function run() {
  // every client streams as one owner here: the per-key cap is lifted to its ceiling
  const core = await startBenchCore('events', { vars: { EVENT_STREAMS_PER_KEY: '1000' } })
  const { sim, db, logger, keyring } = core
  const streams = core.gw.eventStreams
  const server = http.createServer((req, res) => {
    const body = streams.stream({
      owner: 'bench',
      after: undefined,
      filter: { types: STREAMABLE_TYPES, accountId: null },
      stillAllowed: () => Promise.resolve(true),
    })
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform' })
    const node = Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>)
    node.pipe(res)
    res.on('close', () => node.destroy())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/stream`

  try {
    const pairs: { account: string; phone: string; contact: string }[] = []
    for (let i = 0; i < ACCOUNTS; i++) {
      const p = { account: `events-${i}`, phone: String(4915500000000 + i), contact: String(15555000000 + i) }
      pairs.push(p)
      await sim.call('POST', '/users', { phone: p.contact, name: `Contact ${i}` })
      await seedLinkedAccount({ sim, db, keyring, logger, id: p.account, phone: p.phone, name: p.account })
    }
    core.gw.start({ restoreSessions: false })
    await core.connectAll(ACCOUNTS, `events-${ACCOUNTS - 1}`)
    // Warm-up: one message per contact opens every Signal session (pkmsg), as a running gateway has.
    await Promise.all(pairs.map((p) => sim.call('POST', `/users/${p.contact}/messages`, { type: 'text', to: p.phone, text: 'warm-up' })))
    await sleep(1000)

    /** Contacts send RATE texts a second for SECONDS, spread over the accounts; resolves with what was sent. */
    const load = async (label: string) => {
      const total = RATE * SECONDS
      const t0 = performance.now()
      let sent = 0
      const senders = pairs.map(async (p, i) => {
        for (let k = i; k < total; k += ACCOUNTS) {
          const due = t0 + (k / RATE) * 1000
          const wait = due - performance.now()
          if (wait > 0) await sleep(wait)
          await sim.call('POST', `/users/${p.contact}/messages`, { type: 'text', to: p.phone, text: `${label} ${k}` })
          sent++
        }
      })
      await Promise.all(senders)
      return { sent, seconds: (performance.now() - t0) / 1000 }
    }

    for (const [name, n] of [
      ['(a)', 1],
      ['(b)', 20],
    ] as const) {
      const clients = startClients(url, n)
      await clients.ready
      await clients.report() // nothing from before the phase
      const cpu0 = process.cpuUsage()
      const simCpu0 = procCpuSeconds(sim.child.pid)
      const clientCpu0 = procCpuSeconds(clients.child.pid)
      const { sent, seconds } = await load(`phase${n}`)
      // let the last events arrive
      await sleep(1500)
      const cpu = process.cpuUsage(cpu0)
      const r = await clients.report()
      const lat = r.latencies.sort((a, b) => a - b)
      const perStream = r.events / n
      console.log(
        `  ${name} ${n} stream${n > 1 ? 's' : ''}: contacts sent ${sent} texts in ${seconds.toFixed(1)} s (${(sent / seconds).toFixed(0)}/s, target ${RATE}/s); ` +
          `each stream got ${perStream.toFixed(0)} events (${(perStream / (sent || 1)).toFixed(2)} per text), ${(r.events / seconds).toFixed(0)} events/s delivered in all`,
      )
      console.log(
        `      commit → client: p50 ${percentile(lat, 50).toFixed(0)} ms, p99 ${percentile(lat, 99).toFixed(0)} ms, max ${(lat.at(-1) ?? 0).toFixed(0)} ms; ` +
          `CPU: gateway ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s, simulator ${(procCpuSeconds(sim.child.pid) - simCpu0).toFixed(1)} s, clients ${(procCpuSeconds(clients.child.pid) - clientCpu0).toFixed(1)} s (load avg ${os.loadavg()[0]?.toFixed(2)})`,
      )
      await clients.close()
      await sleep(200)
    }

    // (c) idle streams: what each costs in this process's memory
    const gc = (globalThis as { gc?: () => void }).gc
    const settle = async () => {
      for (let i = 0; i < 3; i++) {
        gc?.()
        await sleep(100)
      }
      return { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss }
    }
    const m0 = await settle()
    const idle = startClients(url, IDLE)
    await idle.ready
    const m1 = await settle()
    console.log(
      `  (c) ${IDLE} idle streams (${streams.count()} open): heap +${((m1.heap - m0.heap) / IDLE / 1024).toFixed(1)} KiB and RSS +${((m1.rss - m0.rss) / IDLE / 1024).toFixed(1)} KiB per stream${gc ? '' : ' (no --expose-gc: figures include garbage)'}`,
    )
    await idle.close()
  } finally {
    streams.close()
    server.closeAllConnections()
    server.close()
    await core.close()
  }
}

runIfMain(import.meta.url, run)
