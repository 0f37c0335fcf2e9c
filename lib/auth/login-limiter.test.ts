import { describe, expect, it } from 'vitest'
import { LoginLimiter } from './login-limiter'

describe('LoginLimiter', () => {
  it('blocks an email+IP pair after the configured consecutive failures, and only that pair', async () => {
    const limiter = new LoginLimiter({ maxFailures: 3, blockSeconds: 60 })
    for (let i = 0; i < 2; i++) await limiter.recordFailure('A@x.test', '1.1.1.1')
    expect(await limiter.blockedFor('a@x.test', '1.1.1.1')).toBe(0)
    await limiter.recordFailure('a@x.test', '1.1.1.1')
    const wait = await limiter.blockedFor('a@x.test', '1.1.1.1')
    expect(wait).toBeGreaterThan(50)
    expect(wait).toBeLessThanOrEqual(60)
    expect(await limiter.blockedFor('a@x.test', '2.2.2.2')).toBe(0)
    expect(await limiter.blockedFor('b@x.test', '1.1.1.1')).toBe(0)
  })

  it('a success resets the count of consecutive failures', async () => {
    const limiter = new LoginLimiter({ maxFailures: 3, blockSeconds: 60 })
    await limiter.recordFailure('a@x.test', 'ip')
    await limiter.recordFailure('a@x.test', 'ip')
    await limiter.recordSuccess('a@x.test', 'ip')
    await limiter.recordFailure('a@x.test', 'ip')
    await limiter.recordFailure('a@x.test', 'ip')
    expect(await limiter.blockedFor('a@x.test', 'ip')).toBe(0)
  })
})
