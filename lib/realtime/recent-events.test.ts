import { describe, expect, it } from 'vitest'
import { EventBus } from '@/lib/events/bus'
import { MONITORED_EVENTS, RecentEvents } from './recent-events'

const qr = (accountId: string) => ({ accountId, qr: '2@ref', image: 'data:image/png;base64,AAAA', expiresAt: 5 })

describe('RecentEvents', () => {
  it('numbers every domain event, keeps a viewer form without linking material, and tells listeners', () => {
    const bus = new EventBus()
    const recent = new RecentEvents(bus, 10, () => 1000)
    const seen: number[] = []
    recent.subscribe((e) => seen.push(e.seq))
    bus.emit('account.qr', qr('shop'))
    bus.emit('account.qr_cleared', { accountId: 'shop' })
    expect(seen).toEqual([1, 2])
    const { events } = recent.since({ epoch: recent.epoch, seq: 0 })
    expect(events[0]).toMatchObject({ seq: 1, at: 1000, name: 'account.qr', accountId: 'shop', payload: qr('shop') })
    expect(events[0]?.viewerPayload).toEqual({ accountId: 'shop', expiresAt: 5 })
    expect(recent.position()).toEqual({ epoch: recent.epoch, seq: 2 })
  })

  it('does not relay outbox announcements: the change is already there as its domain event', () => {
    const bus = new EventBus()
    const recent = new RecentEvents(bus, 10)
    bus.emit('account.qr_cleared', { accountId: 'shop' })
    bus.emit('event.committed', {
      event: {
        id: '01J0000000000000000000000',
        type: 'account.deleted',
        accountId: 'shop',
        timestamp: '2026-01-01T00:00:00.000Z',
        data: { accountId: 'shop' },
      },
    } as never)
    expect(recent.since({ epoch: recent.epoch, seq: 0 }).events.map((e) => e.name)).toEqual(['account.qr_cleared'])
    expect(MONITORED_EVENTS).not.toContain('event.committed')
    expect(MONITORED_EVENTS).toContain('messages.store_failed')
  })

  it('replays what came after a position, filtered; incomplete for another epoch or a position older than it keeps', () => {
    const bus = new EventBus()
    const recent = new RecentEvents(bus, 3)
    for (const id of ['a', 'b', 'a', 'b', 'a']) bus.emit('account.qr_cleared', { accountId: id })
    const onlyA = (e: { accountId: string | null }) => e.accountId === 'a'
    expect(recent.since({ epoch: recent.epoch, seq: 2 }, onlyA)).toEqual({
      events: [expect.objectContaining({ seq: 3 }), expect.objectContaining({ seq: 5 })],
      complete: true,
    })
    expect(recent.since({ epoch: recent.epoch, seq: 5 })).toEqual({ events: [], complete: true })
    // Events 1 and 2 fell out of the buffer: a reader at 1 cannot be caught up.
    expect(recent.since({ epoch: recent.epoch, seq: 1 }).complete).toBe(false)
    expect(recent.since({ epoch: 'an-older-process', seq: 4 })).toEqual({ events: [], complete: false })
    expect(recent.since({ epoch: recent.epoch, seq: 99 }).complete).toBe(false)
    recent.close()
    bus.emit('account.qr_cleared', { accountId: 'a' })
    expect(recent.position().seq).toBe(5)
  })

  it('forgets events older than its age limit', () => {
    const bus = new EventBus()
    let now = 0
    const recent = new RecentEvents(bus, 100, () => now, 60_000)
    bus.emit('account.qr_cleared', { accountId: 'a' })
    now = 30_000
    bus.emit('account.qr_cleared', { accountId: 'a' })
    now = 90_000
    bus.emit('account.qr_cleared', { accountId: 'a' })
    expect(recent.since({ epoch: recent.epoch, seq: 1 })).toMatchObject({ complete: true, events: [{ seq: 2 }, { seq: 3 }] })
    expect(recent.since({ epoch: recent.epoch, seq: 0 }).complete).toBe(false)
  })
})
