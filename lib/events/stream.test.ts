import { monotonicFactory } from 'ulid'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DB } from '@/lib/db/client'
import { appendEvent } from '@/lib/db/events'
import { isAppError } from '@/lib/errors'
import { createLogger } from '@/lib/logger'
import { SseReader } from '../../tests/support/sse'
import { tempDb } from '../../tests/support/temp-db'
import type { EventType } from '@/lib/vocabulary/event-types'
import { DEFAULT_STREAM_CONFIG, EventStreams, type StreamConfig } from './stream'
import { type EventFilter, parseTypes, STREAMABLE_TYPES } from './stream-filter'

let db: DB
let close: () => void
let streams: EventStreams | undefined
const logger = createLogger({ level: 'silent' })
const ALL: EventFilter = { types: STREAMABLE_TYPES, accountId: null }
const allowed = () => Promise.resolve(true)

beforeEach(() => {
  ;({ db, close } = tempDb())
})
afterEach(() => {
  streams?.close()
  streams = undefined
  close()
})

function make(config: Partial<StreamConfig> = {}, now?: () => number): EventStreams {
  streams = new EventStreams({ db, logger, config: { ...DEFAULT_STREAM_CONFIG, ...config }, ...(now ? { now } : {}) })
  return streams
}

/** Appends one event; the payload's content is not what these tests are about, only its identity. */
function add(type: EventType, accountId: string, n: number, pad = 0): string {
  return appendEvent(db, { type, accountId, data: { n, pad: 'x'.repeat(pad) } }).id
}

const tick = () => new Promise((r) => setImmediate(r))
/** Polls `check` every 10 ms until it holds; fails naming `what` after 5 s. */
async function waitUntil(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
/**
 * How long a stream is watched for an event that must not come. Everything here is in one process: an
 * event a stream would (wrongly) send is enqueued in the turn that reads its commit, the same turn as
 * the events before it that the test has already read; 50 ms is dozens of turns of an idle loop.
 */
const NOTHING_MORE_MS = 50

describe('parseTypes', () => {
  it('takes exact types and prefixes, refuses unknown names, never offers webhook.test', () => {
    expect(parseTypes(undefined)).toEqual({ types: null })
    expect(parseTypes('message.received, account.*')).toEqual({
      types: ['message.received', 'account.status', 'account.created', 'account.deleted'],
    })
    expect(parseTypes('*')).toEqual({ types: STREAMABLE_TYPES })
    expect(STREAMABLE_TYPES).not.toContain('webhook.test')
    const typo = parseTypes('message.recieved')
    expect('error' in typo && typo.error).toMatch(/^"message\.recieved" is not an event type/)
    expect('error' in parseTypes('webhook.test')).toBe(true)
    expect(parseTypes('group.*')).toEqual({ error: '"group.*" matches no event type' })
  })
})

describe('EventStreams.page', () => {
  it('pages through stored events in order, filtered, with a next position past what the filter left out', () => {
    const s = make()
    const ids = Array.from({ length: 7 }, (_, i) => add(i % 2 ? 'account.status' : 'message.received', i < 5 ? 'shop' : 'other', i))
    const first = s.page({ after: '0', limit: 2, filter: ALL })
    expect(first.data.map((e) => (e as { id: string }).id)).toEqual(ids.slice(0, 2))
    expect(first).toMatchObject({ next: ids[1], hasMore: true })
    const rest = s.page({ after: first.next, limit: 10, filter: ALL })
    expect(rest.data.map((e) => (e as { id: string }).id)).toEqual(ids.slice(2))
    expect(rest).toMatchObject({ next: ids[6], hasMore: false })
    // only the shop's status events: the page ends past the other account's newer events
    const shop = s.page({ after: '0', limit: 10, filter: { types: ['account.status'], accountId: 'shop' } })
    expect(shop.data.map((e) => (e as { id: string }).id)).toEqual([ids[1], ids[3]])
    expect(shop.next).toBe(ids[6])
    // the payload is the webhook body as stored
    expect(first.data[0]).toMatchObject({ id: ids[0], type: 'message.received', accountId: 'shop', data: { n: 0 } })
  })
})

describe('EventStreams.stream', () => {
  it('replays what is stored after the position, then goes on live: every event once, in order', async () => {
    const s = make({ maxBufferedBytes: 16 * 1024 })
    const stored = Array.from({ length: 300 }, (_, i) => add('message.received', 'shop', i, 200))
    const start = stored[49] ?? ''
    const reader = new SseReader(s.stream({ owner: 'k1', after: start, filter: ALL, stillAllowed: allowed }))
    const first = await reader.next()
    expect(first).toMatchObject({ retry: 2000 })
    const seen: string[] = []
    const live: string[] = []
    // live events arrive while the replay (250 events, more than the 16 KiB the stream may hold) is
    // still held back by the client's pace
    for (let i = 0; i < 200; i++) {
      const block = await reader.nextEvent()
      seen.push(block?.id ?? '')
      if (i % 40 === 0) live.push(add('message.received', 'shop', 1000 + i, 200))
    }
    const expected = [...stored.slice(50), ...live]
    while (seen.length < expected.length) seen.push((await reader.nextEvent())?.id ?? '')
    expect(seen).toEqual(expected)
    const block = await reader.nextEvent(NOTHING_MORE_MS).catch(() => 'nothing more')
    expect(block).toBe('nothing more')
    await reader.cancel()
    expect(s.count('k1')).toBe(0)
  })

  it('starts from now without a position, with the webhook payload as data and the type as event', async () => {
    const s = make()
    add('account.status', 'shop', 1)
    const reader = new SseReader(s.stream({ owner: 'k1', after: undefined, filter: ALL, stillAllowed: allowed }))
    await reader.next()
    // the client is already waiting for data when these are committed
    const waiting = reader.nextEvent()
    await tick()
    const ids = [add('account.status', 'shop', 2), add('account.status', 'shop', 3), add('account.status', 'shop', 4)]
    const block = await waiting
    expect(block).toMatchObject({ id: ids[0], event: 'account.status' })
    expect(JSON.parse(block?.data ?? '')).toMatchObject({ id: ids[0], type: 'account.status', accountId: 'shop', data: { n: 2 } })
    expect([(await reader.nextEvent())?.id, (await reader.nextEvent())?.id]).toEqual(ids.slice(1))
    expect(await reader.nextEvent(NOTHING_MORE_MS).catch(() => 'nothing more')).toBe('nothing more')
    await reader.cancel()
  })

  it('sends only the filtered events, and heartbeats move the position past the others', async () => {
    const s = make({ heartbeatMs: 30 })
    const reader = new SseReader(
      s.stream({ owner: 'k1', after: '0', filter: { types: ['account.status'], accountId: 'shop' }, stillAllowed: allowed }),
    )
    await reader.next()
    const mine = add('account.status', 'shop', 1)
    add('message.received', 'shop', 2)
    const theirs = add('account.status', 'other', 3)
    expect(await reader.nextEvent()).toMatchObject({ id: mine })
    const beat = await reader.next()
    expect(beat).toMatchObject({ id: theirs, comments: ['keep-alive'] })
    expect(beat?.data).toBeUndefined()
    // a later heartbeat with nothing new carries no id
    expect(await reader.next()).toEqual({ comments: ['keep-alive'] })
    await reader.cancel()
  })

  it('serves many live streams from one read: each gets what its filter allows, once, in order, also one that fell behind', async () => {
    const s = make({ maxBufferedBytes: 16 * 1024 })
    const filters: EventFilter[] = [
      ALL,
      { types: ['account.status'], accountId: null },
      { types: STREAMABLE_TYPES, accountId: 'shop' },
      { types: ['message.received'], accountId: 'other' },
    ]
    const readers = filters.map((filter, i) => new SseReader(s.stream({ owner: `k${i}`, after: undefined, filter, stillAllowed: allowed })))
    for (const r of readers) await r.next()
    const added: { id: string; type: EventType; accountId: string }[] = []
    const got = readers.map((): string[] => [])
    const wanted = (filter: EventFilter) =>
      added.filter((e) => filter.types.includes(e.type) && (filter.accountId ?? e.accountId) === e.accountId).map((e) => e.id)
    const kinds: [EventType, string][] = [
      ['message.received', 'shop'],
      ['account.status', 'other'],
      ['message.received', 'other'],
      ['account.status', 'shop'],
    ]
    // bursts committed in different turns of the event loop; reader 0 reads nothing until the end
    for (let burst = 0; burst < 30; burst++) {
      for (let k = 0; k < 10; k++) {
        const [type, accountId] = kinds[(burst + k) % kinds.length] ?? ['account.status', 'shop']
        added.push({ id: add(type, accountId, burst * 10 + k, 300), type, accountId })
      }
      await tick()
      for (const [i, r] of readers.entries()) {
        const mine = got[i] ?? []
        if (i === 0) continue
        while (mine.length < wanted(filters[i] ?? ALL).length) mine.push((await r.nextEvent())?.id ?? '')
      }
    }
    for (const [i, r] of readers.entries()) {
      const want = wanted(filters[i] ?? ALL)
      const mine = got[i] ?? []
      // the reader that fell behind (300 events of ~400 bytes, over its 16 KiB) catches up on its own
      while (mine.length < want.length) mine.push((await r.nextEvent())?.id ?? '')
      expect(mine, `stream ${i}`).toEqual(want)
      expect(await r.nextEvent(NOTHING_MORE_MS).catch(() => 'nothing more'), `stream ${i}`).toBe('nothing more')
      await r.cancel()
    }
  })

  it('drops a client that reads nothing while events wait, holding at most its buffer for it', async () => {
    const s = make({ maxBufferedBytes: 16 * 1024, slowClientMs: 100, heartbeatMs: 20 })
    const stream = s.stream({ owner: 'k1', after: undefined, filter: ALL, stillAllowed: allowed })
    const reader = new SseReader(stream)
    await reader.next()
    for (let i = 0; i < 2_000; i++) add('message.received', 'shop', i, 500)
    await tick()
    // the client is dropped once it has taken nothing for slowClientMs (100 ms) while events wait
    await waitUntil(() => s.count('k1') === 0, 'the slow client dropped')
    let events = 0
    let last: string | undefined
    for (;;) {
      const block = await reader.next(1_000)
      if (!block) break
      if (block.event === 'stream.error') last = block.data
      else if (block.data !== undefined) events++
    }
    // ~600 bytes a frame: 16 KiB hold about 27 of the 2,000, not all of them
    expect(events).toBeGreaterThan(0)
    expect(events).toBeLessThanOrEqual(Math.ceil((16 * 1024) / 600) + 1)
    expect(JSON.parse(last ?? '{}')).toMatchObject({ error: { code: 'slow_consumer' } })
  })

  it('answers an error event for a position older than the retention, and pages refuse it', async () => {
    const day = 86_400_000
    const now = Date.now()
    const s = make({ retentionDays: 7 }, () => now)
    const old = monotonicFactory()(now - 8 * day)
    const reader = new SseReader(s.stream({ owner: 'k1', after: old, filter: ALL, stillAllowed: allowed }))
    const block = await reader.nextEvent()
    expect(block?.event).toBe('stream.error')
    const body = JSON.parse(block?.data ?? '') as { error: { code: string; message: string } }
    expect(body.error.code).toBe('cursor_expired')
    expect(body.error.message).toContain('7 days')
    expect(await reader.next()).toBeNull()
    let thrown: unknown
    try {
      s.page({ after: old, limit: 10, filter: ALL })
    } catch (err) {
      thrown = err
    }
    expect(isAppError(thrown) && thrown.code).toBe('cursor_expired')
    // a recent position is fine
    expect(s.page({ after: monotonicFactory()(now - day), limit: 10, filter: ALL }).data).toEqual([])
  })

  it('caps the streams one key holds', async () => {
    const s = make({ maxStreamsPerKey: 2 })
    const a = new SseReader(s.stream({ owner: 'k1', after: undefined, filter: ALL, stillAllowed: allowed }))
    const b = s.stream({ owner: 'k1', after: undefined, filter: ALL, stillAllowed: allowed })
    expect(() => s.stream({ owner: 'k1', after: undefined, filter: ALL, stillAllowed: allowed })).toThrow(/At most 2 event streams/)
    // another key is not affected
    s.stream({ owner: 'k2', after: undefined, filter: ALL, stillAllowed: allowed })
    await a.next()
    await a.cancel()
    expect(s.count('k1')).toBe(1)
    expect(() => s.stream({ owner: 'k1', after: undefined, filter: ALL, stillAllowed: allowed })).not.toThrow()
    await b.cancel()
  })

  it('ends the stream of a key that is no longer valid, and every stream on close', async () => {
    const s = make({ heartbeatMs: 20 })
    let valid = true
    const revoked = new SseReader(s.stream({ owner: 'k1', after: undefined, filter: ALL, stillAllowed: () => Promise.resolve(valid) }))
    const other = new SseReader(s.stream({ owner: 'k2', after: undefined, filter: ALL, stillAllowed: allowed }))
    await revoked.next()
    await other.next()
    valid = false
    const ended = await revoked.nextEvent()
    expect(JSON.parse(ended?.data ?? '')).toMatchObject({ error: { code: 'unauthorized' } })
    expect(await revoked.next()).toBeNull()
    s.close()
    for (;;) {
      const block = await other.next()
      if (!block) break
      expect(block.event).toBeUndefined()
    }
    expect(s.count()).toBe(0)
  })
})
