import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type LoginAttempt, MemoryLoginLimiter } from './login-limiter'

const MIN = 60_000
const A: LoginAttempt = { email: 'a@x.test', ip: '1.1.1.1' }

/** One whole attempt that fails: admitted, password wrong. Returns whether it was admitted. */
async function fail(limiter: MemoryLoginLimiter, attempt: LoginAttempt = A): Promise<boolean> {
  const adm = await limiter.admit(attempt)
  if (!adm.admitted) return false
  await limiter.failed(adm.ticket)
  return true
}

describe('MemoryLoginLimiter (fake clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-29T12:00:00Z') })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('blocks from the 10th consecutive failure, even when the failures are spread out over time', async () => {
    const limiter = new MemoryLoginLimiter()
    for (let i = 0; i < 9; i++) {
      expect(await fail(limiter)).toBe(true)
      vi.advanceTimersByTime(2 * MIN) // 9 failures over 18 minutes: a 15-minute window would have reset
    }
    expect(await fail(limiter)).toBe(true) // the 10th
    const next = await limiter.admit(A) // even with the right password: nothing is checked
    expect(next).toEqual({ admitted: false, retryAfterSeconds: 15 * 60 })
  })

  it('the block lasts 15 minutes from the 10th failure, then the count starts over', async () => {
    const limiter = new MemoryLoginLimiter()
    for (let i = 0; i < 10; i++) await fail(limiter)
    vi.advanceTimersByTime(15 * MIN - 1000)
    const late = await limiter.admit(A)
    expect(late).toEqual({ admitted: false, retryAfterSeconds: 1 })
    vi.advanceTimersByTime(1000)
    for (let i = 0; i < 9; i++) expect(await fail(limiter)).toBe(true)
    expect((await limiter.admit(A)).admitted).toBe(true)
  })

  it('only that email from that address is blocked', async () => {
    const limiter = new MemoryLoginLimiter()
    for (let i = 0; i < 10; i++) await fail(limiter)
    expect((await limiter.admit({ email: 'A@X.test ', ip: '1.1.1.1' })).admitted).toBe(false)
    expect((await limiter.admit({ email: 'a@x.test', ip: '2.2.2.2' })).admitted).toBe(true)
    expect((await limiter.admit({ email: 'b@x.test', ip: '1.1.1.1' })).admitted).toBe(true)
  })

  it('a success ends the streak', async () => {
    const limiter = new MemoryLoginLimiter()
    for (let i = 0; i < 9; i++) await fail(limiter)
    const ok = await limiter.admit(A)
    if (!ok.admitted) throw new Error('expected admission')
    await limiter.succeeded(ok.ticket)
    for (let i = 0; i < 9; i++) expect(await fail(limiter)).toBe(true)
    expect((await limiter.admit(A)).admitted).toBe(true)
  })

  it('parallel attempts: the point is taken before the check, so 50 at once admit 10', async () => {
    const limiter = new MemoryLoginLimiter()
    const admissions = await Promise.all(Array.from({ length: 50 }, () => limiter.admit(A)))
    const tickets = admissions.flatMap((a) => (a.admitted ? [a.ticket] : []))
    expect(tickets).toHaveLength(10)
    const started = await Promise.all(tickets.map((t) => limiter.failed(t)))
    expect(started.filter((s) => s.blockStarted)).toHaveLength(1)
    vi.advanceTimersByTime(14 * MIN)
    expect((await limiter.admit(A)).admitted).toBe(false)
  })

  it('a cancelled attempt (nothing checked) gives its point back', async () => {
    const limiter = new MemoryLoginLimiter()
    for (let i = 0; i < 9; i++) await fail(limiter)
    for (let i = 0; i < 5; i++) {
      const adm = await limiter.admit(A)
      if (!adm.admitted) throw new Error('expected admission')
      await limiter.cancelled(adm.ticket)
    }
    expect((await limiter.admit(A)).admitted).toBe(true)
  })

  it('50 failures for one email from other addresses do not lock out an address that has not failed', async () => {
    const limiter = new MemoryLoginLimiter()
    for (let i = 0; i < 50; i++) expect(await fail(limiter, { email: 'a@x.test', ip: `10.0.${i}.1` })).toBe(true)
    // the operator, from an address that has not failed: admitted, after a short bounded wait
    const own = await limiter.admit({ email: 'a@x.test', ip: '192.0.2.1' })
    expect(own).toMatchObject({ admitted: true, delayMs: 500 })
    if (own.admitted) await limiter.succeeded(own.ticket)
    expect(await limiter.admit({ email: 'b@x.test', ip: '10.0.0.1' })).toMatchObject({ admitted: true, delayMs: 0 })
  })

  it('while slowed down, the addresses that have failed share a trickle of 2 attempts a minute', async () => {
    const limiter = new MemoryLoginLimiter()
    for (let i = 0; i < 50; i++) await fail(limiter, { email: 'a@x.test', ip: `10.0.${i}.1` })
    expect(await fail(limiter, { email: 'a@x.test', ip: '10.0.0.1' })).toBe(true)
    expect(await fail(limiter, { email: 'a@x.test', ip: '10.0.1.1' })).toBe(true)
    const third = await limiter.admit({ email: 'a@x.test', ip: '10.0.2.1' })
    expect(third.admitted).toBe(false)
    expect(!third.admitted && third.retryAfterSeconds).toBeLessThanOrEqual(60)
    // an address that has not failed is not held back by the trickle
    expect((await limiter.admit({ email: 'a@x.test', ip: '192.0.2.1' })).admitted).toBe(true)
    vi.advanceTimersByTime(MIN)
    expect((await limiter.admit({ email: 'a@x.test', ip: '10.0.2.1' })).admitted).toBe(true)
  })

  it('the wait grows with the failures while slowed, up to 10 s, and the slow-down ends 15 minutes after the last one', async () => {
    const limiter = new MemoryLoginLimiter()
    const clean = { email: 'a@x.test', ip: '192.0.2.1' }
    const delay = async () => {
      const adm = await limiter.admit(clean)
      if (!adm.admitted) throw new Error('expected admission')
      await limiter.cancelled(adm.ticket)
      return adm.delayMs
    }
    let n = 0
    for (; n < 50; n++) await fail(limiter, { email: 'a@x.test', ip: `10.1.${n}.1` })
    expect(await delay()).toBe(500)
    for (; n < 70; n++) await fail(limiter, { email: 'a@x.test', ip: `10.1.${n}.1` }) // 20 more while slowed, each from a new address
    expect(await delay()).toBe(2000)
    for (; n < 200; n++) await fail(limiter, { email: 'a@x.test', ip: `10.1.${n}.1` })
    expect(await delay()).toBe(10_000)
    vi.advanceTimersByTime(15 * MIN - 1000)
    expect(await delay()).toBe(10_000)
    vi.advanceTimersByTime(1000)
    expect(await delay()).toBe(0)
    expect((await limiter.admit({ email: 'a@x.test', ip: '10.1.0.1' })).admitted).toBe(true)
  })

  it('a streak below the limit is forgotten after a day', async () => {
    const limiter = new MemoryLoginLimiter()
    for (let i = 0; i < 9; i++) await fail(limiter)
    vi.advanceTimersByTime(24 * 60 * MIN)
    for (let i = 0; i < 9; i++) expect(await fail(limiter)).toBe(true)
    expect((await limiter.admit(A)).admitted).toBe(true)
  })
})
