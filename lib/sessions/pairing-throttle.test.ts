import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { isAppError } from '@/lib/errors'
import { MemoryPairingThrottle } from './pairing-throttle'

const SECOND = 1000

async function outcome(t: MemoryPairingThrottle, account = 'shop'): Promise<string> {
  try {
    await t.take(account)
    return 'allowed'
  } catch (err) {
    return isAppError(err) ? `${err.code} ${err.retryAfter ?? ''}` : String(err)
  }
}

describe('pairing-code throttle (fake clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-12-01T12:00:00Z') })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('allows one request per 30 s and five per 10 minutes, per account', async () => {
    const t = new MemoryPairingThrottle()
    expect(await outcome(t)).toBe('allowed')
    vi.advanceTimersByTime(10 * SECOND)
    expect(await outcome(t)).toBe('rate_limited 20')
    expect(await outcome(t, 'other')).toBe('allowed')
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(30 * SECOND)
      expect(await outcome(t)).toBe('allowed')
    }
    // five in the last 2 min 10 s: the next one waits for the 10-minute window
    vi.advanceTimersByTime(30 * SECOND)
    expect(await outcome(t)).toBe(`rate_limited ${10 * 60 - 160}`)
    vi.advanceTimersByTime((10 * 60 - 160) * SECOND)
    expect(await outcome(t)).toBe('allowed')
  })
})
