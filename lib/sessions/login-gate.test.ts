import { describe, expect, it } from 'vitest'
import { LoginGate } from './login-gate'

const tick = () => new Promise((r) => setImmediate(r))

describe('LoginGate', () => {
  it('lets `size` holders in at once and the rest in arrival order as slots are released', async () => {
    const gate = new LoginGate(2)
    const order: number[] = []
    const releases: (() => void)[] = []
    for (let i = 0; i < 5; i++)
      void gate.acquire().then((release) => {
        order.push(i)
        releases.push(release)
      })
    await tick()
    expect(order).toEqual([0, 1])
    expect(gate.inFlight).toBe(2)
    expect(gate.waiting).toBe(3)
    releases[1]?.()
    releases[1]?.() // a second release of the same slot frees nothing more
    await tick()
    expect(order).toEqual([0, 1, 2])
    expect(gate.inFlight).toBe(2)
    releases[0]?.()
    releases[2]?.()
    await tick()
    expect(order).toEqual([0, 1, 2, 3, 4])
    expect(gate.waiting).toBe(0)
  })

  it('refuses a size that is not a positive integer', () => {
    expect(() => new LoginGate(0)).toThrow(RangeError)
    expect(() => new LoginGate(1.5)).toThrow(RangeError)
  })
})
