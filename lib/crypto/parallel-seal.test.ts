import crypto from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { createKeyring, type Keyring, type Sealed } from '@/lib/crypto/aead'

const key = crypto.randomBytes(32)
const rings: Keyring[] = []
afterEach(async () => {
  await Promise.all(rings.splice(0).map((r) => r.close()))
})
const ring = (parallel?: Parameters<typeof createKeyring>[0]['parallel']) => {
  const r = createKeyring({ current: key, parallel })
  rings.push(r)
  return r
}
const waitForWorker = () => new Promise((r) => setTimeout(r, 300))

type Item = { plaintext: Buffer; aad: Buffer }
const items = (n: number, bytes = 150): Item[] =>
  Array.from({ length: n }, (_, i) => ({ plaintext: crypto.randomBytes(bytes), aad: Buffer.from(`row-${i}`) }))

/** Runs encryptEach, checking the contract: inputs asked once each in order, one output per item. */
function sealAll(r: Keyring, list: Item[], work?: (i: number) => void, stats?: { offloaded: number }): Sealed[] {
  const asked: number[] = []
  const out: Array<Sealed | undefined> = new Array(list.length)
  const res = r.encryptEach(
    list.length,
    (i) => {
      asked.push(i)
      work?.(i)
      return list[i] as Item
    },
    (i, sealed) => {
      expect(out[i], `output ${i} given twice`).toBeUndefined()
      out[i] = sealed
    },
  )
  if (stats) stats.offloaded = res.offloaded
  expect(asked).toEqual(list.map((_, i) => i))
  expect(out.every(Boolean)).toBe(true)
  return out as Sealed[]
}

function expectOpens(r: Keyring, list: Item[], sealed: Sealed[]) {
  const other = createKeyring({ current: key, parallel: false })
  for (const [i, s] of sealed.entries()) {
    const item = list[i] as Item
    expect(s.keyId).toBe(r.currentKeyId)
    expect(s.value.length).toBe(12 + item.plaintext.length + 16)
    expect(other.decrypt(s.keyId, s.value, item.aad).equals(item.plaintext)).toBe(true)
    // bound to its own row: another row's AAD is refused
    expect(() => other.decrypt(s.keyId, s.value, Buffer.from(`row-${i + 1}`))).toThrow(/authentication/)
  }
  expect(new Set(sealed.map((s) => s.value.subarray(0, 12).toString('hex'))).size).toBe(sealed.length)
}

/** Busy work on the caller's thread, so the worker has time to claim items while inputs are produced. */
const spin = (us: number) => {
  const end = performance.now() + us / 1000
  while (performance.now() < end) { /* busy */ }
}

describe('keyring.encryptEach', () => {
  it('gives the same result as encrypt for every value of a large batch, shared with the worker', async () => {
    const r = ring()
    sealAll(r, items(64)) // starts the worker
    await waitForWorker()
    const list = items(812)
    const stats = { offloaded: 0 }
    // Inputs are slow here (40 ms in all), so the worker gets its turn even on a busy machine.
    const sealed = sealAll(r, list, () => spin(50), stats)
    expectOpens(r, list, sealed)
    expect(stats.offloaded).toBeGreaterThan(0)
  })

  it('batch after batch (one shared buffer, both threads sealing the end) every value opens and no nonce repeats', async () => {
    const r = ring()
    sealAll(r, items(64))
    await waitForWorker()
    const nonces = new Set<string>()
    let total = 0
    let offloaded = 0
    for (const n of [812, 40, 812, 500, 33, 812, 200, 812, 812, 100]) {
      const list = items(n)
      const stats = { offloaded: 0 }
      // Fast inputs: the caller finishes producing long before the worker finishes sealing, so it
      // claims items from the end while the worker works from the front.
      const sealed = sealAll(r, list, undefined, stats)
      expectOpens(r, list, sealed)
      for (const s of sealed) nonces.add(s.value.subarray(0, 12).toString('hex'))
      total += n
      offloaded += stats.offloaded
    }
    expect(nonces.size).toBe(total)
    expect(offloaded).toBeLessThan(total)
  })

  it('seals values that do not fit its shared buffer on the caller’s thread', async () => {
    const r = ring()
    sealAll(r, items(64))
    await waitForWorker()
    const list = items(300, 8 * 1024) // ~5 MB of in+out, far past the 300 KB buffer of a 300-item batch
    expectOpens(r, list, sealAll(r, list))
  })

  it('small batches and a keyring without a worker give the same, valid result', () => {
    const list = items(10)
    expectOpens(ring(), list, sealAll(ring(), list))
    const big = items(200)
    const noWorker = ring(false)
    const stats = { offloaded: -1 }
    expectOpens(noWorker, big, sealAll(noWorker, big, undefined, stats))
    expect(stats.offloaded).toBe(0)
  })

  it('stops at an input that throws, rethrows it, and seals the next batch correctly', async () => {
    const r = ring()
    sealAll(r, items(64))
    await waitForWorker()
    const outputs: number[] = []
    expect(() => r.encryptEach(
      500,
      (i) => {
        if (i === 300) throw new Error('cannot serialise item 300')
        spin(10)
        return { plaintext: Buffer.from(`v${i}`) }
      },
      (i) => outputs.push(i),
    )).toThrow(/item 300/)
    expect(outputs.every((i) => i < 300)).toBe(true)
    const list = items(500)
    expectOpens(r, list, sealAll(r, list, () => spin(10)))
  })

  it('stops at an output that throws and rethrows it', async () => {
    const r = ring()
    sealAll(r, items(64))
    await waitForWorker()
    let calls = 0
    expect(() => r.encryptEach(400, () => ({ plaintext: crypto.randomBytes(100) }), (i) => {
      calls++
      if (i === 123) throw new Error('insert failed')
    })).toThrow(/insert failed/)
    expect(calls).toBeLessThanOrEqual(400)
  })

  it('keeps working on the caller’s thread after close()', async () => {
    const r = ring()
    sealAll(r, items(64))
    await waitForWorker()
    await r.close()
    const list = items(400)
    const stats = { offloaded: -1 }
    expectOpens(r, list, sealAll(r, list, undefined, stats))
    expect(stats.offloaded).toBe(0)
  })
})
