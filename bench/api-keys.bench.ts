/**
 * API-key authentication cost per request, with 10 and with 10,000 keys stored: what the route
 * wrapper pays to turn `Authorization: Bearer <key>` into a principal (format check, the indexed
 * prefix lookup, SHA-256 and a constant-time compare, the revoked/expired checks) plus the scope
 * check. The lookup goes through the unique prefix index, so its cost must not grow with the number of
 * keys: the p99 ratio between the two sizes is the figure to watch. 1,000× more keys may add a B-tree
 * level and some cache misses (a few µs), never a factor near 1,000 as a scan would: target ≤ 2×.
 *
 *   node --import tsx bench/api-keys.bench.ts
 *
 * Steady state is measured (each key already used once this minute, so last_used_at is not
 * rewritten); the first use of a key in a minute adds one UPDATE, reported separately.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { insertAccount } from '@/lib/db/accounts'
import { closeDb, openDb } from '@/lib/db/client'
import { allows } from '@/lib/keys/scopes'
import { KeyService } from '@/lib/keys/service'
import { recordAccountNews } from '@/lib/sessions/accounts'

const SIZES = [10, 10_000]
const CALLS = 50_000
const TARGET_RATIO = 2

type Stats = { p50: number; p99: number; mean: number }

function stats(samples: number[]): Stats {
  const sorted = samples.slice().sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  return { p50: at(0.5), p99: at(0.99), mean: samples.reduce((s, x) => s + x, 0) / samples.length }
}

const us = (ns: number) => `${(ns / 1000).toFixed(1)} µs`

function measure(size: number): { steady: Stats; unknown: Stats; firstUse: Stats } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-keys-'))
  const db = openDb(path.join(dir, 'gateway.db'))
  try {
    insertAccount({ db, id: 'shop', name: 'Shop', onNews: recordAccountNews })
    const service = new KeyService({ db })
    const keys: string[] = []
    db.$client.transaction(() => {
      for (let i = 0; i < size; i++)
        keys.push(service.issue({ name: `k${i}`, accountId: i % 2 ? 'shop' : null, scopes: ['accounts:read'], createdBy: 'bench' }).key)
    })()
    const pick = () => keys[Math.floor(Math.random() * keys.length)] ?? ''
    const authenticate = (key: string) => {
      const check = service.authenticate(key)
      if (!check.ok || !allows(check.key.scopes, 'accounts:read')) throw new Error('bench key refused')
    }

    // First use of each key this minute (writes last_used_at): at most 2,000 keys.
    const firstUse: number[] = []
    for (const key of keys.slice(0, 2000)) {
      const t = process.hrtime.bigint()
      authenticate(key)
      firstUse.push(Number(process.hrtime.bigint() - t))
    }
    for (const key of keys) authenticate(key) // every key used once: no more writes this minute
    for (let i = 0; i < 5000; i++) authenticate(pick()) // warm-up

    const steady: number[] = []
    for (let i = 0; i < CALLS; i++) {
      const key = pick()
      const t = process.hrtime.bigint()
      authenticate(key)
      steady.push(Number(process.hrtime.bigint() - t))
    }
    // A wrong secret behind a real prefix: same lookup, refused after the compare.
    const unknown: number[] = []
    for (let i = 0; i < CALLS / 5; i++) {
      const key = `${pick().slice(0, -4)}AAAA`
      const t = process.hrtime.bigint()
      if (service.authenticate(key).ok) throw new Error('a forged key was accepted')
      unknown.push(Number(process.hrtime.bigint() - t))
    }
    return { steady: stats(steady), unknown: stats(unknown), firstUse: stats(firstUse) }
  } finally {
    closeDb(db)
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

measure(SIZES[0] ?? 10) // JIT warm-up, not reported: the first size measured would pay for it
const results = new Map<number, ReturnType<typeof measure>>()
for (const size of SIZES) {
  const r = measure(size)
  results.set(size, r)
  process.stdout.write(
    `${String(size).padStart(6)} keys: steady p50 ${us(r.steady.p50)}, p99 ${us(r.steady.p99)}, mean ${us(r.steady.mean)} | ` +
      `wrong secret p99 ${us(r.unknown.p99)} | first use in a minute (with the last_used_at write) p50 ${us(r.firstUse.p50)}, p99 ${us(r.firstUse.p99)}\n`,
  )
}
const small = results.get(SIZES[0] ?? 0)
const large = results.get(SIZES[1] ?? 0)
if (small && large) {
  const ratio = large.steady.p99 / small.steady.p99
  process.stdout.write(
    `auth overhead per request, p99: ${us(large.steady.p99)} with ${SIZES[1]} keys vs ${us(small.steady.p99)} with ${SIZES[0]} (×${ratio.toFixed(2)}; target ≤ ×${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'})\n`,
  )
}
