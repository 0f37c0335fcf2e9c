import { describe, expect, it } from 'vitest'
import { EventBus } from './bus'

describe('EventBus.waitFor', () => {
  it('resolves with the first matching event and stops listening', async () => {
    const bus = new EventBus()
    const got = bus.waitFor('account.deleted', (e) => e.accountId === 'b', 1000)
    bus.emit('account.deleted', { accountId: 'a' })
    bus.emit('account.deleted', { accountId: 'b' })
    await expect(got).resolves.toEqual({ accountId: 'b' })
  })

  it('rejects after the timeout, and at once when its signal aborts', async () => {
    const bus = new EventBus()
    await expect(bus.waitFor('account.deleted', () => true, 20)).rejects.toThrow(/timed out after 20 ms/)
    const stop = new AbortController()
    const waiting = bus.waitFor('account.deleted', () => true, 60_000, stop.signal)
    stop.abort()
    await expect(waiting).rejects.toThrow(/stopped waiting/)
    const already = new AbortController()
    already.abort()
    await expect(bus.waitFor('account.deleted', () => true, 60_000, already.signal)).rejects.toThrow(/stopped waiting/)
  })
})
