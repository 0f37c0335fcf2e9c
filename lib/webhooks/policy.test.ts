import { describe, expect, it } from 'vitest'
import { decideAfterAttempt, jittered, parseRetryAfter, parseSchedule, type RetryConfig } from './policy'

const config: RetryConfig = { scheduleMs: [0, 5000, 300_000, 1_800_000], jitter: 0, disableAfterMs: 86_400_000, maxRetryAfterMs: 3_600_000 }
const now = 1_000_000_000
const decide = (outcome: Parameters<typeof decideAfterAttempt>[0]['outcome'], attemptsMade = 1, failingSince: number | null = null) =>
  decideAfterAttempt({ outcome, attemptsMade, now, failingSince, random: () => 0.5 }, config)

describe('decideAfterAttempt', () => {
  it('2xx is delivered; 5xx, 408, 429, timeouts and resets are retried on the schedule', () => {
    expect(decide({ kind: 'response', status: 204 })).toEqual({ action: 'delivered' })
    expect(decide({ kind: 'response', status: 500 })).toMatchObject({ action: 'retry', at: now + 5000, error: 'HTTP 500' })
    expect(decide({ kind: 'response', status: 408 }, 2)).toMatchObject({ action: 'retry', at: now + 300_000 })
    expect(decide({ kind: 'timeout', message: 'slow' }, 3)).toMatchObject({ action: 'retry', at: now + 1_800_000 })
    expect(decide({ kind: 'network', message: 'ECONNRESET' })).toMatchObject({ action: 'retry' })
  })

  it('gives up after the last attempt of the schedule', () => {
    expect(decide({ kind: 'response', status: 503 }, 4)).toMatchObject({ action: 'fail', error: 'HTTP 503; gave up after 4 attempts' })
  })

  it('other 4xx, redirects and refused targets fail at once; 410 also disables the endpoint', () => {
    expect(decide({ kind: 'response', status: 400 })).toMatchObject({ action: 'fail', error: 'HTTP 400' })
    expect(decide({ kind: 'response', status: 302, location: 'https://elsewhere.example/' })).toMatchObject({
      action: 'fail',
      error: 'redirect 302 not followed (Location: https://elsewhere.example/)',
    })
    expect(decide({ kind: 'refused', message: '10.0.0.1 is a private address' })).toMatchObject({ action: 'fail' })
    expect(decide({ kind: 'response', status: 410 })).toMatchObject({ action: 'fail', disableEndpoint: 'the endpoint answered 410 Gone' })
  })

  it('429 waits at least its Retry-After (seconds or a date), capped', () => {
    expect(decide({ kind: 'response', status: 429, retryAfter: '60' })).toMatchObject({ at: now + 60_000 })
    expect(decide({ kind: 'response', status: 429, retryAfter: '1' }, 2)).toMatchObject({ at: now + 300_000 })
    expect(decide({ kind: 'response', status: 429, retryAfter: '999999' })).toMatchObject({ at: now + 3_600_000 })
    expect(parseRetryAfter(new Date(now + 120_000).toUTCString(), now)).toBe(120_000)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
  })

  it('a failure past the failing window disables the endpoint; within it does not', () => {
    expect(decide({ kind: 'response', status: 500 }, 1, now - 86_400_000)).toMatchObject({
      action: 'retry',
      disableEndpoint: 'failing without a success for 1440 min',
    })
    expect(decide({ kind: 'response', status: 500 }, 1, now - 1000)).not.toHaveProperty('disableEndpoint')
  })
})

describe('schedule and jitter', () => {
  it('parses durations with units', () => {
    expect(parseSchedule('0,5s,5m,30m,2h,5h,10h,10h')).toEqual([0, 5000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000])
    expect(parseSchedule('0, 200, 1.5s')).toEqual([0, 200, 1500])
    expect(() => parseSchedule('0,soon')).toThrow(/not a duration/)
  })
  it('jitter stays within ± the fraction and never makes a delay negative', () => {
    expect(jittered(1000, 0.2, () => 0)).toBe(800)
    expect(jittered(1000, 0.2, () => 1)).toBe(1200)
    expect(jittered(0, 0.2, () => 0)).toBe(0)
  })
})
