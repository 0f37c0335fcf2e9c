import type { DB } from '@/lib/db/client'
import { eventsAfter, newestEventId, onEventsAppended, type StoredEvent } from '@/lib/db/events'
import { AppError } from '@/lib/errors'
import type { Logger } from '@/lib/logger'
import { type EventFilter, expiredCursor } from './stream-filter'

/**
 * The outbox as a stream for programs that cannot receive webhooks (`GET /api/v1/events/stream`,
 * Server-Sent Events) and as pages for programs that poll (`GET /api/v1/events`).
 *
 * One path for replay and live: a stream keeps a cursor (the last event id it considered) and, each
 * time events are appended or the client has room, reads the stored events after it. Event ids are
 * ULIDs made inside the synchronous transaction that commits them (lib/db/events.ts), so in one
 * process they sort in commit order: reading "after the cursor" can neither skip an event nor send
 * one twice, and the seam between replay and live is not a special case.
 *
 * Bounded per client: a stream enqueues only while its queue (bytes not yet taken by the HTTP
 * response, which waits for the socket to drain) is below `maxBufferedBytes`; a client that takes
 * nothing for `slowClientMs` while events wait is sent a `slow_consumer` error event and dropped, and
 * resumes where it left off with Last-Event-ID. Each key (or operator) may hold `maxStreamsPerKey`.
 */
export type StreamConfig = {
  /** a keep-alive comment (with the cursor as the SSE id) this often, so proxies keep idle streams */
  heartbeatMs: number
  maxStreamsPerKey: number
  /** bytes a stream may hold for a client that is not reading */
  maxBufferedBytes: number
  /** a client that reads nothing this long while events wait is disconnected */
  slowClientMs: number
  /** MESSAGE_RETENTION_DAYS: older events are deleted, so an older cursor cannot be resumed (0: kept forever) */
  retentionDays: number
  /** the reconnection delay suggested to EventSource clients */
  retryMs: number
}

export const DEFAULT_STREAM_CONFIG: StreamConfig = {
  heartbeatMs: 15_000,
  maxStreamsPerKey: 5,
  maxBufferedBytes: 1024 * 1024,
  slowClientMs: 30_000,
  retentionDays: 0,
  retryMs: 2_000,
}

const BATCH = 200
const encoder = new TextEncoder()

const frame = (e: StoredEvent): Uint8Array => encoder.encode(`id: ${e.id}\nevent: ${e.type}\ndata: ${e.payload}\n\n`)
// Its own type: EventSource uses `error` for its connection errors, and a program must tell them apart.
const errorFrame = (code: string, message: string): Uint8Array =>
  encoder.encode(`event: stream.error\ndata: ${JSON.stringify({ error: { code, message } })}\n\n`)

export type StreamHandle = { owner: string; isClosed(): boolean; close(reason?: { code: string; message: string }): void }

/** What the fan-out needs of an open stream. */
type Member = {
  /** caught up: everything after its cursor that it may see was sent, and it has room */
  isLive(): boolean
  cursor(): string
  /** sends what of `rows` (every event after the oldest live cursor, up to `newest`) it may see */
  deliver(rows: readonly StoredEvent[], newest: string, frameOf: (row: StoredEvent) => Uint8Array): void
  /** catches up on its own: reads after its cursor with its filter */
  pump(): void
}

/** Events the fan-out reads at once; a larger burst is left to each stream's own catch-up. */
const FANOUT_BATCH = 1000

export class EventStreams {
  private readonly open = new Set<StreamHandle>()
  private readonly members = new Set<Member>()
  private readonly unsubscribe: () => void
  private readonly now: () => number

  constructor(private readonly deps: { db: DB; logger: Logger; config: StreamConfig; now?: () => number }) {
    this.now = deps.now ?? Date.now
    // one listener for every stream: appendEvent signals once per turn of the event loop, after commit
    this.unsubscribe = onEventsAppended(deps.db, () => {
      this.fanOut()
    })
  }

  /**
   * New events committed: the streams that were caught up share one read of them and one encoding
   * of each frame (20 streams cost one query, not 20); the others catch up on their own when they
   * have room.
   */
  private fanOut(): void {
    const live: Member[] = []
    for (const m of this.members) {
      if (m.isLive()) live.push(m)
      else m.pump()
    }
    if (live.length === 0) return
    const newest = newestEventId(this.deps.db)
    if (newest === undefined) return
    let from = newest
    for (const m of live) if (m.cursor() < from) from = m.cursor()
    if (from >= newest) return
    const rows = eventsAfter({ db: this.deps.db, after: from, limit: FANOUT_BATCH })
    if (rows.length >= FANOUT_BATCH) {
      for (const m of live) m.pump()
      return
    }
    const frames = new Map<string, Uint8Array>()
    const frameOf = (row: StoredEvent): Uint8Array => {
      let f = frames.get(row.id)
      if (!f) frames.set(row.id, (f = frame(row)))
      return f
    }
    for (const m of live) m.deliver(rows, newest, frameOf)
  }

  /** Streams open now (all, or one owner's). */
  count(owner?: string): number {
    if (owner === undefined) return this.open.size
    let n = 0
    for (const s of this.open) if (s.owner === owner) n++
    return n
  }

  /**
   * One page of stored events after `after` (default: the oldest kept). `next` is where the next
   * page starts: past every event considered, also those the filter left out.
   */
  page(opts: { after: string; limit: number; filter: EventFilter }): { data: unknown[]; next: string; hasMore: boolean } {
    const expired = expiredCursor(opts.after, this.deps.config.retentionDays, this.now())
    if (expired) throw expired
    const newest = newestEventId(this.deps.db)
    const rows = this.read(opts.after, opts.limit + 1, opts.filter)
    const hasMore = rows.length > opts.limit
    const page = rows.slice(0, opts.limit)
    const last = page.at(-1)?.id
    const next = hasMore ? (last ?? opts.after) : maxId(opts.after, newest)
    return { data: page.map((r) => JSON.parse(r.payload) as unknown), next, hasMore }
  }

  /**
   * Opens a stream for `owner` (a key or operator id) from `after` (default: now, live only).
   * `stillAllowed` is asked at every heartbeat: a revoked key's stream ends with an error event.
   */
  stream(opts: {
    owner: string
    after: string | undefined
    filter: EventFilter
    stillAllowed: () => Promise<boolean>
  }): ReadableStream<Uint8Array> {
    const { config, logger } = this.deps
    if (this.count(opts.owner) >= config.maxStreamsPerKey) {
      throw new AppError(
        'rate_limited',
        `At most ${config.maxStreamsPerKey} event streams may be open per API key (EVENT_STREAMS_PER_KEY); close one first.`,
        { retryAfter: 5 },
      )
    }
    const expired = opts.after === undefined ? null : expiredCursor(opts.after, config.retentionDays, this.now())
    let cursor = opts.after ?? newestEventId(this.deps.db) ?? '0'
    /** the last id the client was told (an event's, or a heartbeat's) */
    let told = opts.after ?? cursor
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined
    let heartbeat: NodeJS.Timeout | undefined
    let forced: NodeJS.Timeout | undefined
    let waiting = false
    /** caught up with what is stored (the fan-out then brings new events) */
    let live = false
    let lastProgress = this.now()
    let closed = false
    const log = logger.child({ stream: opts.owner })
    const types = new Set(opts.filter.types)
    const matches = (row: StoredEvent) => types.has(row.type) && (opts.filter.accountId === null || row.accountId === opts.filter.accountId)

    const cleanup = () => {
      closed = true
      clearInterval(heartbeat)
      this.members.delete(member)
      this.open.delete(handle)
    }
    const handle: StreamHandle = {
      owner: opts.owner,
      isClosed: () => closed,
      close: (reason) => {
        if (closed || !controller) return
        const c = controller
        cleanup()
        try {
          if (reason) c.enqueue(errorFrame(reason.code, reason.message))
          c.close()
        } catch {
          return // already closed by the client
        }
        // a client that does not take the last bytes is cut off: its queue must not stay in memory
        forced = setTimeout(() => {
          try {
            c.error(new Error(reason?.code ?? 'stream closed'))
          } catch {
            // drained and closed meanwhile
          }
        }, 5_000)
        forced.unref()
      },
    }

    // Sends what is stored after the cursor while the client has room. Synchronous (SQLite), so no
    // event can be appended between reading the newest id and reading the events before it. Not
    // re-entered: enqueue() may call pull() (and so pump) before it returns.
    let pumping = false
    const pump = (): void => {
      if (closed || !controller || pumping) return
      pumping = true
      try {
        fill(controller)
      } finally {
        pumping = false
      }
    }
    const fill = (c: ReadableStreamDefaultController<Uint8Array>): void => {
      live = false
      for (;;) {
        if (closed) return
        if ((c.desiredSize ?? 0) <= 0) {
          waiting = true
          return
        }
        const newest = newestEventId(this.deps.db)
        const rows = this.read(cursor, BATCH, opts.filter)
        for (const row of rows) {
          cursor = told = row.id
          c.enqueue(frame(row))
          if ((c.desiredSize ?? 0) <= 0 && row !== rows.at(-1)) {
            waiting = true
            return
          }
        }
        if (rows.length < BATCH) {
          // everything up to `newest` was considered: the filter left the rest out
          cursor = maxId(cursor, newest)
          waiting = false
          live = true
          return
        }
      }
    }
    const member: Member = {
      isLive: () => live && !closed,
      cursor: () => cursor,
      pump,
      deliver: (rows, newest, frameOf) => {
        if (closed || !controller || pumping) return
        const c = controller
        pumping = true
        try {
          for (const row of rows) {
            if (row.id <= cursor || !matches(row)) continue
            if ((c.desiredSize ?? 0) <= 0) {
              // no room: it catches up on its own once the client reads (pull)
              live = false
              waiting = true
              return
            }
            cursor = told = row.id
            c.enqueue(frameOf(row))
          }
          cursor = maxId(cursor, newest)
        } finally {
          pumping = false
        }
      },
    }

    const tick = async (): Promise<void> => {
      if (closed || !controller) return
      if (waiting && this.now() - lastProgress > config.slowClientMs) {
        log.warn({ after: cursor, bufferedLimit: config.maxBufferedBytes }, 'event stream client too slow; disconnected')
        handle.close({
          code: 'slow_consumer',
          message: `The client took nothing for ${Math.round(config.slowClientMs / 1000)} s while events were waiting. Reconnect with Last-Event-ID to resume.`,
        })
        return
      }
      if (!(await opts.stillAllowed().catch(() => false))) {
        handle.close({ code: 'unauthorized', message: 'The API key (or sign-in) behind this stream is no longer valid.' })
        return
      }
      // the checks above awaited: the stream may have ended meanwhile
      if (handle.isClosed() || (controller.desiredSize ?? 0) <= 0) return
      // an id-only block moves the client's Last-Event-ID past events its filter left out
      const id = cursor !== told ? `id: ${cursor}\n` : ''
      told = cursor
      controller.enqueue(encoder.encode(`${id}: keep-alive\n\n`))
    }

    return new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          controller = c
          this.open.add(handle)
          if (expired) {
            log.info({ after: opts.after }, 'event stream refused an expired position')
            handle.close({ code: expired.code, message: expired.message })
            return
          }
          c.enqueue(encoder.encode(`retry: ${config.retryMs}\n: wa-gateway event stream\n\n`))
          this.members.add(member)
          heartbeat = setInterval(() => {
            void tick()
          }, config.heartbeatMs)
          heartbeat.unref()
          pump()
        },
        pull: () => {
          lastProgress = this.now()
          // a caught-up stream has nothing to read: the fan-out brings what is committed next
          if (!live) pump()
        },
        cancel: () => {
          cleanup()
          clearTimeout(forced)
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: config.maxBufferedBytes }),
    )
  }

  /** Ends every stream (shutdown): clients reconnect with their Last-Event-ID and miss nothing. */
  close(): void {
    this.unsubscribe()
    for (const s of [...this.open]) s.close()
  }

  private read(after: string, limit: number, filter: EventFilter): StoredEvent[] {
    if (filter.types.length === 0) return []
    return eventsAfter({ db: this.deps.db, after, limit, types: filter.types, accountId: filter.accountId })
  }
}

function maxId(a: string, b: string | undefined): string {
  return b !== undefined && b > a ? b : a
}
