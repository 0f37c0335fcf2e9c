import { describe, expect, it } from 'vitest'
import { EventBus } from '@/lib/events/bus'
import type { DomainEvents } from '@/lib/events/types'
import { RecentEvents } from './recent-events'

/** A message as the bus announces it (only the fields the signals route by matter here). */
const message = (accountId: string, id: string) =>
  ({ accountId, message: { id, accountId, text: id } }) as unknown as DomainEvents['message.created']
const queue = (accountId: string) => ({ accountId, paused: true, reason: 'restricted', pausedUntil: 9 })

describe('RecentEvents', () => {
  it('numbers the dashboard signals pages resume, under their dashboard names, and tells listeners', () => {
    const bus = new EventBus()
    const recent = new RecentEvents(bus, 10, () => 1000)
    const seen: number[] = []
    recent.subscribe((e) => seen.push(e.seq))
    bus.emit('message.created', message('shop', 'm1'))
    bus.emit('message.updated', message('shop', 'm1'))
    bus.emit('messages.queue', queue('shop'))
    expect(seen).toEqual([1, 2, 3])
    const { events } = recent.since({ epoch: recent.epoch, seq: 0 })
    expect(events.map((e) => [e.signal, e.accountId])).toEqual([
      ['dashboard.message', 'shop'],
      ['dashboard.message', 'shop'],
      ['dashboard.queue', 'shop'],
    ])
    expect(events[0]).toMatchObject({ seq: 1, at: 1000, payload: { change: 'created', accountId: 'shop', message: { id: 'm1' } } })
    expect(events[1]?.payload).toMatchObject({ change: 'updated' })
    expect(events[2]?.payload).toEqual(queue('shop'))
    expect(recent.position()).toEqual({ epoch: recent.epoch, seq: 3 })
  })

  it('numbers no domain event and no linking material: the monitor reads domain events from the outbox, QR codes go to admins directly', () => {
    const bus = new EventBus()
    const recent = new RecentEvents(bus, 10)
    bus.emit('account.qr', { accountId: 'shop', qr: '2@ref', image: 'data:image/png;base64,AAAA', expiresAt: 5 })
    bus.emit('account.qr_cleared', { accountId: 'shop' })
    bus.emit('event.committed', { lastId: '01J0000000000000000000000', count: 1 })
    bus.emit('operator.changed', { operatorId: 1, change: 'role' })
    expect(recent.position().seq).toBe(0)
    bus.emit('webhook.endpoint', { change: 'deleted', accountId: null, webhookId: 'whk_1', webhook: null })
    expect(recent.since({ epoch: recent.epoch, seq: 0 }).events.map((e) => e.signal)).toEqual(['dashboard.webhook_endpoint'])
  })

  it('replays what came after a position, filtered; incomplete for another epoch or a position older than it keeps', () => {
    const bus = new EventBus()
    const recent = new RecentEvents(bus, 3)
    for (const id of ['a', 'b', 'a', 'b', 'a']) bus.emit('messages.queue', queue(id))
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
    bus.emit('messages.queue', queue('a'))
    expect(recent.position().seq).toBe(5)
  })

  it('forgets events older than its age limit', () => {
    const bus = new EventBus()
    let now = 0
    const recent = new RecentEvents(bus, 100, () => now, 60_000)
    bus.emit('messages.queue', queue('a'))
    now = 30_000
    bus.emit('messages.queue', queue('a'))
    now = 90_000
    bus.emit('messages.queue', queue('a'))
    expect(recent.since({ epoch: recent.epoch, seq: 1 })).toMatchObject({ complete: true, events: [{ seq: 2 }, { seq: 3 }] })
    expect(recent.since({ epoch: recent.epoch, seq: 0 }).complete).toBe(false)
  })
})
