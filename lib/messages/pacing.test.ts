import { describe, expect, it } from 'vitest'
import { decideNextSend, decideOnOutcome, PACING_OFF, resolvePacing } from './pacing'

const T = 1_000_000

describe('send pacing', () => {
  it('off: always send, however many went out just now', () => {
    const burst = Array.from({ length: 500 }, (_, i) => T - i)
    expect(decideNextSend({ now: T, recentSends: burst, pausedUntil: null }, PACING_OFF)).toEqual({ action: 'send' })
  })

  it('minimum gap: waits out the rest of the gap after the last send', () => {
    const cfg = { minGapMs: 2000, perMinute: 0 }
    expect(decideNextSend({ now: T, recentSends: [T - 500], pausedUntil: null }, cfg)).toEqual({
      action: 'wait',
      delayMs: 1500,
      reason: 'min_gap',
    })
    expect(decideNextSend({ now: T, recentSends: [T - 2000], pausedUntil: null }, cfg)).toEqual({ action: 'send' })
  })

  it('per-minute cap: the next slot frees when the oldest send of the window leaves it', () => {
    const cfg = { minGapMs: 0, perMinute: 3 }
    const sends = [T - 50_000, T - 20_000, T - 10_000]
    expect(decideNextSend({ now: T, recentSends: sends, pausedUntil: null }, cfg)).toEqual({
      action: 'wait',
      delayMs: 10_000,
      reason: 'per_minute',
    })
    // a send older than a minute no longer counts
    expect(decideNextSend({ now: T, recentSends: [T - 61_000, T - 20_000, T - 10_000], pausedUntil: null }, cfg)).toEqual({
      action: 'send',
    })
  })

  it('a pause wins over everything until it ends', () => {
    expect(decideNextSend({ now: T, recentSends: [], pausedUntil: T + 5000 }, PACING_OFF)).toEqual({
      action: 'wait',
      delayMs: 5000,
      reason: 'paused',
    })
    expect(decideNextSend({ now: T, recentSends: [], pausedUntil: T - 1 }, PACING_OFF)).toEqual({ action: 'send' })
  })

  it('per-account settings override the global ones; unset keeps the global', () => {
    const global = { minGapMs: 1500, perMinute: 30 }
    expect(resolvePacing(global, { minGapMs: 0 })).toEqual({ minGapMs: 0, perMinute: 30 })
    expect(resolvePacing(global, { perMinute: null })).toEqual(global)
  })
})

describe('restrictions (463)', () => {
  const cfg = { pauseAfter: 3, pauseMs: 3_600_000 }
  it('counts consecutive restrictions and pauses at the limit', () => {
    expect(decideOnOutcome({ code: 463, restrictions: 0, now: T }, cfg)).toEqual({ restrictions: 1, pause: null })
    const third = decideOnOutcome({ code: 463, restrictions: 2, now: T }, cfg)
    expect(third.restrictions).toBe(3)
    expect(third.pause?.until).toBe(T + 3_600_000)
    expect(third.pause?.reason).toMatch(/463/)
  })
  it('a success resets the count; another error leaves it', () => {
    expect(decideOnOutcome({ code: null, restrictions: 2, now: T }, cfg)).toEqual({ restrictions: 0, pause: null })
    expect(decideOnOutcome({ code: 479, restrictions: 2, now: T }, cfg)).toEqual({ restrictions: 2, pause: null })
  })
})
