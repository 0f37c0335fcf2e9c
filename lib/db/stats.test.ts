import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { insertAccount, listStatusHistory, recordStatus } from './accounts'
import type { DB } from './client'
import { listMessageViews } from '@/lib/messages/views'
import { type LogInput, logMessages } from './messages'
import { accountsByStatus, countAllQueued, messagesPerHour, queuedByAccount, webhookHealth } from './stats'
import { logInput } from '../../tests/support/log-input'
import { tempDb } from '../../tests/support/temp-db'
import { recordAccountNews } from '@/lib/sessions/accounts'
import { recordMessageNews } from '@/lib/messages/outbox'

const HOUR = 3_600_000
const NOW = Date.UTC(2026, 10, 29, 12, 30)
let db: DB
let close: () => void
let n = 0

function message(over: Partial<LogInput> & { text: string; timestamp: number }): LogInput {
  return logInput({ waMessageId: `WA${++n}`, pushName: null, proto: Buffer.from('x'), ...over })
}

beforeEach(() => {
  ;({ db, close } = tempDb())
  insertAccount({ db, id: 'shop', name: 'Shop', onNews: recordAccountNews })
  insertAccount({ db, id: 'desk', name: 'Desk', onNews: recordAccountNews })
})
afterEach(() => close())

describe('system stats', () => {
  it('counts messages in and out per hour, every hour present, oldest first', () => {
    logMessages({
      db,
      accountId: 'shop',
      items: [
        message({ text: 'a', timestamp: NOW - 5 * 60_000 }),
        message({ text: 'b', timestamp: NOW - 10 * 60_000, direction: 'out', status: 'sent' }),
        message({ text: 'c', timestamp: NOW - 2 * HOUR }),
        message({ text: 'too old', timestamp: NOW - 30 * HOUR }),
      ],
      onNews: recordMessageNews,
    })
    const hours = messagesPerHour({ db, hours: 24, now: NOW })
    expect(hours).toHaveLength(24)
    expect(hours.at(-1)).toEqual({ hour: Date.UTC(2026, 10, 29, 12), in: 1, out: 1 })
    expect(hours.at(-3)).toEqual({ hour: Date.UTC(2026, 10, 29, 10), in: 1, out: 0 })
    expect(hours.reduce((s, h) => s + h.in + h.out, 0)).toBe(3)
  })

  it('counts sessions by state and queued messages per account', () => {
    recordStatus({ db, id: 'shop', status: 'connected', reason: null, onNews: recordAccountNews })
    expect(accountsByStatus({ db })).toEqual({ connected: 1, disconnected: 1 })
    logMessages({
      db,
      accountId: 'desk',
      items: [message({ text: 'q', timestamp: NOW, direction: 'out', status: 'queued' })],
      onNews: recordMessageNews,
    })
    expect(countAllQueued({ db })).toBe(1)
    expect(queuedByAccount({ db })).toEqual([{ accountId: 'desk', queued: 1 }])
  })

  it('keeps every status change with its reason, newest first, paged by id', () => {
    recordStatus({ db, id: 'shop', status: 'connecting', reason: 'linking', onNews: recordAccountNews })
    recordStatus({ db, id: 'shop', status: 'qr_ready', reason: 'scan the QR code', onNews: recordAccountNews })
    recordStatus({ db, id: 'shop', status: 'connected', reason: null, onNews: recordAccountNews })
    const all = listStatusHistory({ db, id: 'shop', limit: 10 })
    expect(all.map((e) => e.status)).toEqual(['connected', 'qr_ready', 'connecting'])
    expect(all[1]?.reason).toBe('scan the QR code')
    const older = listStatusHistory({ db, id: 'shop', before: all[0]?.id, limit: 1 })
    expect(older.map((e) => e.status)).toEqual(['qr_ready'])
    expect(listStatusHistory({ db, id: 'desk', limit: 10 })).toEqual([])
  })
})

describe('message search', () => {
  it('finds messages containing every word, case-insensitively, and takes % and _ literally', () => {
    logMessages({
      db,
      accountId: 'shop',
      items: [
        message({ text: 'Your Order shipped today', timestamp: NOW - 3000 }),
        message({ text: 'order cancelled', timestamp: NOW - 2000 }),
        message({ text: '100% refund_ok', timestamp: NOW - 1000 }),
      ],
      onNews: recordMessageNews,
    })
    const find = (text: string) => listMessageViews({ db, accountId: 'shop', filter: { text }, limit: 10 }).items.map((m) => m.text)
    expect(find('order')).toEqual(['order cancelled', 'Your Order shipped today'])
    expect(find('ORDER shipped')).toEqual(['Your Order shipped today'])
    expect(find('100%')).toEqual(['100% refund_ok'])
    expect(find('0%r')).toEqual([])
    expect(find('d_o')).toEqual(['100% refund_ok'])
    expect(find('_')).toEqual(['100% refund_ok'])
    expect(listMessageViews({ db, accountId: 'desk', filter: { text: 'order' }, limit: 10 }).items).toEqual([])
  })
})

describe('webhook health', () => {
  const endpoint = (id: string, enabled: boolean) =>
    db.$client
      .prepare(
        `insert into webhook_endpoints (id, url, enabled, secrets_key_id, secrets, header_names, created_at, updated_at)
         values (?, 'https://example.com/hook', ?, 'k1', x'00', '[]', ?, ?)`,
      )
      .run(id, enabled ? 1 : 0, NOW, NOW)
  const event = (id: string) =>
    db.$client
      .prepare(`insert into events (id, type, account_id, payload, created_at) values (?, 'account.created', 'shop', '{}', ?)`)
      .run(id, NOW)
  const delivery = (endpointId: string, eventId: string, status: string, createdAt: number) =>
    Number(
      db.$client
        .prepare(
          `insert into webhook_deliveries (endpoint_id, event_id, event_type, status, next_attempt_at, created_at, updated_at)
           values (?, ?, 'account.created', ?, ?, ?, ?)`,
        )
        .run(endpointId, eventId, status, createdAt, createdAt, createdAt).lastInsertRowid,
    )
  const attempt = (deliveryId: number, at: number, error: string | null) =>
    db.$client
      .prepare(`insert into webhook_attempts (delivery_id, at, status_code, duration_ms, error) values (?, ?, ?, 5, ?)`)
      .run(deliveryId, at, error ? 500 : 200, error)

  it('says there are no endpoints on a fresh gateway', () => {
    expect(webhookHealth({ db, since: NOW - HOUR })).toEqual({
      endpoints: 0,
      disabledEndpoints: 0,
      backlog: 0,
      oldestPendingAt: null,
      attempts: 0,
      failedAttempts: 0,
    })
  })

  it('counts the owed deliveries, the oldest one, and the failed share of the last hour’s attempts only', () => {
    endpoint('wh_a', true)
    endpoint('wh_b', false)
    for (const id of ['e1', 'e2', 'e3', 'e4']) event(id)
    const old = delivery('wh_a', 'e1', 'pending', NOW - 2 * HOUR)
    const recent = delivery('wh_a', 'e2', 'pending', NOW - 60_000)
    const done = delivery('wh_a', 'e3', 'delivered', NOW - 30_000)
    delivery('wh_b', 'e4', 'failed', NOW - 30_000)
    attempt(old, NOW - 90 * 60_000, 'HTTP 500') // before the hour: not counted
    attempt(old, NOW - 10 * 60_000, 'HTTP 500')
    attempt(recent, NOW - 5 * 60_000, 'connect ECONNREFUSED')
    attempt(done, NOW - 20_000, null)
    expect(webhookHealth({ db, since: NOW - HOUR })).toEqual({
      endpoints: 2,
      disabledEndpoints: 1,
      backlog: 2,
      oldestPendingAt: NOW - 2 * HOUR,
      attempts: 3,
      failedAttempts: 2,
    })
  })
})
