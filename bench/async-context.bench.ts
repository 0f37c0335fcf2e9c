/**
 * AsyncLocalStorage cost: `node --import tsx bench/async-context.bench.ts [N …]` (default 0 100 1000 2000)
 *
 * Baileys gives every socket its own AsyncLocalStorage (addTransactionCapability) and never disables
 * it. On Node 20 every enabled instance is walked on every promise, so the gateway used to disable a
 * socket's instance once the socket ended. This measures what N such instances cost on the Node it
 * runs on: N key stores built by Baileys, each used in one transaction and left enabled (what N
 * connected sockets look like), then the time of 200,000 awaits made outside any transaction, against
 * the same with no store at all. On Node 20 it also times the same N once disabled (what the old
 * workaround did for ended sockets); Node 24 no longer lets a module replace the AsyncLocalStorage
 * export, so there the column reads n/a.
 */
import asyncHooks, { type AsyncLocalStorage } from 'node:async_hooks'
import { syncBuiltinESMExports } from 'node:module'
import { addTransactionCapability } from '@whiskeysockets/baileys'
import pino from 'pino'

const AWAITS = 200_000
const logger = pino({ level: 'silent' })

/** Builds n key stores the way makeWASocket does; returns their AsyncLocalStorage instances when they can be seen. */
async function makeStores(n: number): Promise<{ instances: AsyncLocalStorage<unknown>[] | null; keep: unknown[] }> {
  const made: AsyncLocalStorage<unknown>[] = []
  const hooks = asyncHooks as { AsyncLocalStorage: typeof AsyncLocalStorage }
  const Original = hooks.AsyncLocalStorage
  class Tracked<S> extends Original<S> {
    constructor() {
      super()
      made.push(this)
    }
  }
  let tracked = false
  try {
    hooks.AsyncLocalStorage = Tracked
    syncBuiltinESMExports()
    tracked = true
  } catch {
    // Node ≥ 24: the export is a getter only
  }
  const keys = []
  try {
    for (let i = 0; i < n; i++) {
      const store = { get: async () => ({}), set: async () => undefined }
      keys.push(addTransactionCapability(store, logger, { maxCommitRetries: 1, delayBetweenTriesMs: 1 }))
    }
  } finally {
    if (tracked) {
      hooks.AsyncLocalStorage = Original
      syncBuiltinESMExports()
    }
  }
  for (const k of keys) await k.transaction(async () => k.get('session', ['x']), 'bench')
  return { instances: tracked ? made : null, keep: keys }
}

async function timeAwaits(): Promise<number> {
  let best = Infinity
  for (let round = 0; round < 4; round++) {
    const t = performance.now()
    for (let i = 0; i < AWAITS; i++) await Promise.resolve(i)
    if (round > 0) best = Math.min(best, performance.now() - t) // round 0 warms up
  }
  return best
}

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => Number.isInteger(n) && n >= 0)
process.stdout.write(`Node.js ${process.version}: ${AWAITS.toLocaleString('en')} awaits with N live Baileys key stores\n`)
process.stdout.write('N\tlive (ms)\tvs N=0\tdisabled (ms)\n')
const held: unknown[] = []
await timeAwaits() // let the JIT settle before the baseline
const baseline = await timeAwaits()
for (const n of sizes.length ? sizes : [0, 100, 1000, 2000]) {
  const { instances, keep } = await makeStores(n)
  held.push(keep) // live sockets keep their stores
  const live = await timeAwaits()
  let disabled = 'n/a'
  if (instances) {
    for (const s of instances) s.disable()
    disabled = (await timeAwaits()).toFixed(1)
  }
  process.stdout.write(`${n}\t${live.toFixed(1)}\t${(live / baseline).toFixed(2)}×\t${disabled}\n`)
}
process.stdout.write(`(${held.length} sets of stores kept alive while timing)\n`)
