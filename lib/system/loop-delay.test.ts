import { afterEach, describe, expect, it } from 'vitest'
import { LoopDelayMonitor } from './loop-delay'

let monitor: LoopDelayMonitor | undefined
afterEach(() => monitor?.stop())

const busy = (ms: number) => {
  const end = Date.now() + ms
  while (Date.now() < end) {
    // blocks the event loop on purpose
  }
}

describe('LoopDelayMonitor', () => {
  it('reads near zero on an idle loop and sees a blocked one', async () => {
    monitor = new LoopDelayMonitor(60_000)
    // a sample every 10 ms (the monitor's resolution): 300 ms of an idle loop is ~30 of them
    await new Promise((r) => setTimeout(r, 300))
    expect(monitor.read().p50Ms).toBeLessThan(5)
    busy(120)
    // the blocked turn is recorded by the next sample after it
    const deadline = Date.now() + 2_000
    while (monitor.read().maxMs < 90 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    expect(monitor.read().maxMs).toBeGreaterThanOrEqual(90)
    expect(monitor.read().windowMs).toBe(60_000)
  })
})
