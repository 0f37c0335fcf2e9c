/**
 * Simulator benchmark: `node --import tsx bench/sim.bench.ts`
 *
 * Runs the simulator as a child process (`sim/cli.ts`, with --expose-gc so its memory can be measured
 * without the benchmark's own Baileys clients in the same heap) and drives it with real Baileys clients
 * in this process, through the admin API. Measures:
 *   1. link time: QR shown → phone scans → 515 → reconnect → open
 *   2. throughput through real Baileys: companion → simulated contact, and contact → companion
 *   3. simulator memory per linked device: 200 and 1,000 provisioned companions (offline), then
 *      the extra cost of companions that logged in once (812 uploaded pre-keys, history bootstrap)
 */
import { BufferJSON, type AuthenticationCreds } from '@whiskeysockets/baileys'
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { createTestClient, makeMemoryAuth, type TestClient } from '../sim/testing/baileys-client'

const MB = 1024 * 1024
const fmt = (n: number, digits = 0) => n.toFixed(digits)

type Json = Record<string, unknown>

let admin = ''
const call = async <T = Json>(method: string, path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${admin}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`)
  return JSON.parse(text, BufferJSON.reviver) as T
}

type Stats = { devices: number; memory: NodeJS.MemoryUsage }
const memory = async () => (await call<Stats>('GET', '/stats?gc=1')).memory

const startSimProcess = async (): Promise<{ child: ChildProcess; wsUrl: string }> => {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'sim/cli.ts', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })
  let wsUrl = ''
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)))
    // keep reading after the URLs so the child never blocks on a full pipe
    lines.on('line', (line) => {
      const ws = /WebSocket:\s+(\S+)/.exec(line)?.[1]
      const ad = /Admin API:\s+(\S+)/.exec(line)?.[1]
      if (ws) wsUrl = ws
      if (ad) admin = ad
      if (wsUrl && admin) resolve()
      else if (!ws && !ad && !/wa-sim listening|State:/.test(line)) console.log(`[sim] ${line}`)
    })
  })
  return { child, wsUrl }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

const linkOnce = async (wsUrl: string, phone: string): Promise<{ client: TestClient; scanToOpenMs: number; totalMs: number }> => {
  await call('POST', '/users', { phone, name: `Bench ${phone}` })
  const started = performance.now()
  const auth = makeMemoryAuth()
  const pairing = createTestClient({ wsUrl, auth })
  const qr = await pairing.waitForQr()
  const scanned = performance.now()
  await call('POST', `/users/${phone}/scan`, { qr })
  await pairing.waitForClose()
  const client = createTestClient({ wsUrl, auth })
  await client.waitForOpen()
  const opened = performance.now()
  return { client, scanToOpenMs: opened - scanned, totalMs: opened - started }
}

const waitUntil = async (check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

const main = async () => {
  const benchStart = performance.now()
  const { child, wsUrl } = await startSimProcess()
  console.log(`simulator child process: ${wsUrl}`)
  try {
    // 1. link time
    const links: number[] = []
    const totals: number[] = []
    let linked: TestClient | undefined
    for (let i = 0; i < 5; i++) {
      const r = await linkOnce(wsUrl, `1555090000${i}`)
      links.push(r.scanToOpenMs)
      totals.push(r.totalMs)
      if (i === 0) linked = r.client
      else await r.client.end()
    }
    console.log(
      `\n1. link time (5 runs): scan → open median ${fmt(median(links))} ms (min ${fmt(Math.min(...links))}, max ${fmt(Math.max(...links))}); socket start → open median ${fmt(median(totals))} ms`,
    )

    // 2. throughput
    if (!linked) throw new Error('benchmark bug: the first link produced no client')
    const client = linked
    const sender = '15550900000'
    const contact = '15550909999'
    await call('POST', '/users', { phone: contact, name: 'Contact' })
    const N = 300
    let t = performance.now()
    for (let i = 0; i < N; i++) await client.sock.sendMessage(`${contact}@s.whatsapp.net`, { text: `out ${i}` })
    const sendMs = performance.now() - t
    await waitUntil(
      async () => (await call<{ messages: unknown[] }>('GET', `/users/${contact}/inbox`)).messages.length >= N,
      60_000,
      'contact inbox',
    )
    const outMs = performance.now() - t
    console.log(
      `2a. companion → contact: ${N} sendMessage in ${fmt(sendMs)} ms; all decrypted by the simulated contact after ${fmt(outMs)} ms → ${fmt(N / (outMs / 1000))} msg/s`,
    )

    const before = client.upserts.filter((u) => !u.message.key.fromMe).length
    t = performance.now()
    const CONC = 8
    let next = 0
    await Promise.all(
      Array.from({ length: CONC }, async () => {
        while (next < N) {
          const i = next++
          await call('POST', `/users/${contact}/messages`, { to: sender, text: `in ${i}` })
        }
      }),
    )
    await waitUntil(() => client.upserts.filter((u) => !u.message.key.fromMe).length - before >= N, 60_000, 'inbound upserts')
    const inMs = performance.now() - t
    console.log(
      `2b. contact → companion: ${N} messages (admin API, ${CONC} concurrent) → messages.upsert for all after ${fmt(inMs)} ms → ${fmt(N / (inMs / 1000))} msg/s`,
    )
    await client.end()
  } finally {
    child.kill('SIGTERM')
    await once(child, 'exit')
  }

  // 3. memory per linked device, in a fresh simulator process so steps 1-2 leave no garbage behind
  const fresh = await startSimProcess()
  const wsUrl2 = fresh.wsUrl
  try {
    const creds: { phone: string; creds: AuthenticationCreds }[] = []
    const provision = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const phone = `1555200${String(i).padStart(4, '0')}`
        await call('POST', '/users', { phone })
        const res = await call<{ creds: AuthenticationCreds }>('POST', `/users/${phone}/devices`, {})
        if (i < 60) creds.push({ phone, creds: res.creds })
      }
    }
    await provision(0, 10) // warm-up: code paths, HTTP server, pools
    const afterLinks = await memory()
    // heap + external (Buffers such as the packed pre-keys live outside the V8 heap)
    const js = (m: NodeJS.MemoryUsage) => m.heapUsed + m.external
    const report = (label: string, m: NodeJS.MemoryUsage, from: NodeJS.MemoryUsage, devices: number) =>
      console.log(
        `${label}: RSS ${fmt(m.rss / MB, 1)} MiB, heap+external ${fmt(js(m) / MB, 1)} MiB; per device: heap+external ${fmt((js(m) - js(from)) / devices / 1024, 1)} KiB, RSS ${fmt((m.rss - from.rss) / devices / 1024, 1)} KiB`,
      )
    console.log(
      `\n3. simulator memory (fresh child process, after GC). with 10 companions: RSS ${fmt(afterLinks.rss / MB, 1)} MiB, heap+external ${fmt(js(afterLinks) / MB, 1)} MiB`,
    )
    let t = performance.now()
    await provision(10, 210)
    const m200 = await memory()
    report('   200 provisioned companions (users + devices)', m200, afterLinks, 200)
    await provision(210, 1010)
    const m1000 = await memory()
    report(' 1,000 provisioned companions (users + devices)', m1000, afterLinks, 1000)
    report('       (the 800 added after the first 200)', m1000, m200, 800)
    console.log(`   (provisioning 1,000 over HTTP took ${fmt(performance.now() - t)} ms)`)

    // companions that logged in once: +812 pre-keys, phone session and history bootstrap each
    const LOGINS = 50
    t = performance.now()
    const online: TestClient[] = []
    for (const c of creds.slice(10, 10 + LOGINS)) {
      const cl = createTestClient({ wsUrl: wsUrl2, auth: makeMemoryAuth(c.creds) })
      await cl.waitForOpen(20_000)
      online.push(cl)
    }
    const loginMs = performance.now() - t
    const mOnline = await memory()
    report(`   ${LOGINS} of them online (logged in, pre-keys uploaded)`, mOnline, m1000, LOGINS)
    const stats = await call<{ devicesOnline: number; connections: { open: number } }>('GET', '/stats')
    console.log(
      `   sequential logins: ${fmt(loginMs / LOGINS)} ms each; simulator reports ${stats.devicesOnline} devices online, ${stats.connections.open} sockets open`,
    )
    await Promise.all(online.map((c) => c.end()))
    const mOffline = await memory()
    report(`   the same ${LOGINS} offline again (pre-keys kept)`, mOffline, m1000, LOGINS)
  } finally {
    fresh.child.kill('SIGTERM')
    await once(fresh.child, 'exit')
  }
  console.log(`\nbenchmark finished in ${fmt((performance.now() - benchStart) / 1000, 1)} s`)
  process.exit(0)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
