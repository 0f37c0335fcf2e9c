import { describe, expect, it } from 'vitest'
import { backoffDelay, decideOnClose, DEFAULT_POLICY } from './policy'

const noJitter = { ...DEFAULT_POLICY, jitter: 0 }

describe('reconnect policy', () => {
  it('515 reconnects at once, 401 logs out, whatever the counters', () => {
    expect(decideOnClose(515, { failures: 4, conflicts: 2 }, noJitter).action).toBe('reconnect_now')
    expect(decideOnClose(401, { failures: 0, conflicts: 0 }, noJitter).action).toBe('logged_out')
  })

  it.each([408, 428, 500, 503, undefined])('%s backs off 3, 6, 12, 24 s and fails at the 5th consecutive failure', (code) => {
    const delays: number[] = []
    let failures = 0
    for (;;) {
      const d = decideOnClose(code, { failures, conflicts: 0 }, noJitter)
      if (d.action !== 'backoff') {
        expect(d.action).toBe('failed')
        expect(d.reason).toMatch(/gave up after 5 consecutive failures/)
        break
      }
      delays.push(d.delayMs)
      failures = d.attempt
    }
    expect(delays).toEqual([3000, 6000, 12000, 24000])
  })

  it('caps the delay at 30 s', () => {
    expect(backoffDelay(5, noJitter)).toBe(30_000)
    expect(backoffDelay(50, noJitter)).toBe(30_000)
  })

  it('spreads delays by the jitter fraction', () => {
    const cfg = { ...DEFAULT_POLICY, jitter: 0.2 }
    expect(backoffDelay(1, cfg, () => 0)).toBe(2400)
    expect(backoffDelay(1, cfg, () => 1)).toBe(3600)
  })

  it('440 waits the longest delay and fails after the configured repeats', () => {
    const first = decideOnClose(440, { failures: 0, conflicts: 0 }, noJitter)
    expect(first).toMatchObject({ action: 'backoff', delayMs: 30_000, attempt: 1 })
    expect(decideOnClose(440, { failures: 0, conflicts: 1 }, noJitter).action).toBe('backoff')
    expect(decideOnClose(440, { failures: 0, conflicts: 2 }, noJitter)).toMatchObject({ action: 'failed' })
  })
})
