import { describe, expect, it } from 'vitest'
import { hashPassword } from './password'
import { PasswordCheckQueue } from './password-checks'

describe('PasswordCheckQueue', () => {
  it('checks a real argon2id hash; an unknown email (null hash) is always false, at the same cost', async () => {
    const checks = await PasswordCheckQueue.create()
    const hash = await hashPassword('right-password')
    expect(await checks.check(hash, 'right-password')).toBe(true)
    expect(await checks.check(hash, 'wrong-password')).toBe(false)
    expect(await checks.check(null, 'right-password')).toBe(false)
  })

  it('runs at most maxInFlight checks, queues maxWaiting, and refuses the rest at once without hashing', async () => {
    let running = 0
    let peak = 0
    let calls = 0
    const release: (() => void)[] = []
    const verify = async () => {
      calls++
      running++
      peak = Math.max(peak, running)
      await new Promise<void>((r) => release.push(r))
      running--
      return false
    }
    const checks = await PasswordCheckQueue.create({ maxInFlight: 2, maxWaiting: 3, verify })
    const results = Array.from({ length: 10 }, () => checks.check('hash', 'pw'))
    // 5 refused synchronously-ish; 2 running, 3 waiting
    const settled = await Promise.all(results.slice(5))
    expect(settled).toEqual(['busy', 'busy', 'busy', 'busy', 'busy'])
    expect(calls).toBe(2)
    while (release.length > 0 || calls < 5) {
      release.shift()?.()
      await new Promise((r) => setTimeout(r, 1))
    }
    expect(await Promise.all(results.slice(0, 5))).toEqual([false, false, false, false, false])
    expect(calls).toBe(5)
    expect(peak).toBe(2)
    expect(checks.inFlight).toBe(0)
  })
})
