import { afterEach, describe, expect, it } from 'vitest'
import { purgeEventsBefore } from '@/lib/db/events'
import { recordEvent } from '@/lib/events/outbox'
import { EventBus } from '@/lib/events/bus'
import { STREAMABLE_TYPES } from '@/lib/events/stream-filter'
import type { OutboxEvent } from '@/lib/events/types'
import { tempDb } from '@/tests/support/temp-db'
import { freshEvents, insertGap, prependEvents } from './monitor-list'
import { monitorTypesFor, OutboxFeed, outboxEvent, recentOutboxEvents } from './outbox-feed'

let cleanup: (() => void)[] = []
afterEach(() => {
  for (const c of cleanup.reverse()) c()
  cleanup = []
})

function setup(wanted = () => true) {
  const t = tempDb()
  const bus = new EventBus()
  const feed = new OutboxFeed(t.db, bus, wanted)
  cleanup.push(t.close, () => feed.close())
  const relayed: OutboxEvent[] = []
  feed.subscribe((rows) => relayed.push(...rows.map(outboxEvent)))
  const deleted = (accountId: string, at?: number) => recordEvent(t.db, { type: 'account.deleted', accountId, data: { accountId }, at })
  return { ...t, bus, feed, relayed, deleted }
}

/** The append signal fires on the next turn of the event loop (after the writer's transaction). */
const nextTurn = () => new Promise((r) => setImmediate(r))

describe('OutboxFeed', () => {
  it('relays each committed event once, in commit order, as the exact body webhooks receive', async () => {
    const { feed, relayed, deleted, db } = setup()
    const a = deleted('a')
    const b = deleted('b')
    await nextTurn()
    const c = recordEvent(db, { type: 'webhook.test', accountId: null, data: { webhookId: 'whk_1', message: 'hi' }, dispatched: true })
    feed.read()
    feed.read()
    expect(relayed).toEqual([a, b, c])
    expect(feed.position()).toBe(c.id)
  })

  it('replays up to its cursor, so a watcher that joins and replays misses nothing and gets nothing twice', async () => {
    const { feed, relayed, deleted } = setup()
    const first = deleted('a')
    await nextTurn()
    const second = deleted('b')
    // committed, not yet read by the feed: the replay stops at the cursor, the next read relays it
    const replay = feed.since(first.id, STREAMABLE_TYPES, 10)
    expect(replay).toEqual({ events: [], complete: true })
    await nextTurn()
    expect(relayed.map((e) => e.id)).toEqual([first.id, second.id])
    expect(feed.since('0', STREAMABLE_TYPES, 10).events.map(outboxEvent)).toEqual([first, second])
    expect(feed.since(first.id, STREAMABLE_TYPES, 10).events.map((r) => r.id)).toEqual([second.id])
    // a position ahead of the feed (a page rendered after a commit the feed has not read yet): nothing
    // to replay; the live read brings the rest and the page drops what it already has
    expect(feed.since(second.id, STREAMABLE_TYPES, 10)).toEqual({ events: [], complete: true })
  })

  it('replays only the types asked for', async () => {
    const { feed, deleted, db } = setup()
    deleted('a')
    recordEvent(db, { type: 'webhook.test', accountId: null, data: { webhookId: 'whk_1', message: 'hi' } })
    await nextTurn()
    expect(feed.since('0', ['webhook.test'], 10).events.map((r) => r.type)).toEqual(['webhook.test'])
  })

  it('sends the newest and says incomplete when more came than it replays, or the position was deleted by retention', async () => {
    const { feed, deleted, db } = setup()
    const old = deleted('old', Date.now() - 10_000)
    const events = ['a', 'b', 'c', 'd'].map((id) => deleted(id))
    await nextTurn()
    expect(feed.since(old.id, STREAMABLE_TYPES, 2)).toEqual({
      events: events.slice(2).map((e) => expect.objectContaining({ id: e.id }) as unknown),
      complete: false,
    })
    expect(feed.since(old.id, STREAMABLE_TYPES, 4).complete).toBe(true)
    purgeEventsBefore({ db, before: Date.now() - 5_000, limit: 10 })
    const purged = feed.since(old.id, STREAMABLE_TYPES, 4)
    expect(purged.complete).toBe(false)
    expect(purged.events.map((r) => r.id)).toEqual(events.map((e) => e.id))
  })

  it('reads nothing while nobody watches, only moves its cursor', async () => {
    let watching = false
    const { feed, relayed, deleted } = setup(() => watching)
    const skipped = deleted('a')
    await nextTurn()
    expect(relayed).toEqual([])
    expect(feed.position()).toBe(skipped.id)
    watching = true
    const seen = deleted('b')
    await nextTurn()
    expect(relayed.map((e) => e.id)).toEqual([seen.id])
  })

  it('is woken by the dispatcher announcing an event another connection wrote', () => {
    const { feed, relayed, deleted, bus } = setup()
    const e = deleted('a')
    bus.emit('event.committed', { lastId: e.id, count: 1 })
    expect(relayed.map((x) => x.id)).toEqual([e.id])
    expect(feed.position()).toBe(e.id)
  })
})

describe('the monitor page', () => {
  it('opens with the newest stored events its role may see, oldest first, and the id they reach', () => {
    const { db, deleted } = setup()
    const made = ['a', 'b', 'c'].map((id) => deleted(id))
    recordEvent(db, { type: 'webhook.test', accountId: null, data: { webhookId: 'whk_1', message: 'hi' } })
    const { events, position } = recentOutboxEvents(db, 'viewer', 2)
    expect(events).toEqual(made.slice(1))
    expect(position > made[2]!.id).toBe(true)
    // what the event stream sends each role's session: every streamable type (both hold messages:read)
    expect(monitorTypesFor('admin')).toEqual(STREAMABLE_TYPES)
    expect(monitorTypesFor('viewer')).toEqual(STREAMABLE_TYPES)
  })

  it('keeps rows newest first, drops what it already has, and marks a gap under the events that came after it', () => {
    const ev = (id: string) => ({ id, type: 'account.deleted', accountId: id, timestamp: '', data: { accountId: id } }) as OutboxEvent
    const fresh = freshEvents('02', [ev('01'), ev('02'), ev('03'), ev('04')])
    expect(fresh).toEqual({ events: [ev('03'), ev('04')], lastId: '04' })
    const rows = prependEvents(prependEvents([], [ev('01'), ev('02')], 10), fresh.events, 3)
    expect(rows.map((r) => r.key)).toEqual(['04', '03', '02'])
    expect(insertGap(rows, '03', 'gap-1', 10).map((r) => r.key)).toEqual(['04', '03', 'gap-1', '02'])
    expect(insertGap(rows, null, 'gap-1', 10).map((r) => r.key)).toEqual(['gap-1', '04', '03', '02'])
  })
})
