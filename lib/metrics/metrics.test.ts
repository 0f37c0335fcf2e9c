import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { insertAccount, recordStatus } from '@/lib/db/accounts'
import type { DB } from '@/lib/db/client'
import type { MessageView } from '@/lib/messages/views'
import { EventBus } from '@/lib/events/bus'
import { KeyService } from '@/lib/keys/service'
import { metricsAccess } from './access'
import { createMetrics, type GatewayMetrics } from './registry'
import { registerWebhookMetrics } from './webhooks'
import { tempDb } from '../../tests/support/temp-db'
import { recordAccountNews } from '@/lib/sessions/accounts'

const ENV_KEY = 'gateway-env-key-0123456789abcdef0123'
const TOKEN = 'metrics-token-0123456789abcdef0123456'
let db: DB
let close: () => void
let bus: EventBus
let metrics: GatewayMetrics

beforeEach(() => {
  ;({ db, close } = tempDb())
  bus = new EventBus()
  metrics = createMetrics({ db, bus, version: '9.9.9' })
})
afterEach(() => {
  metrics.close()
  close()
})

const line = (text: string, series: string) => text.split('\n').find((l) => l.startsWith(`${series} `))

describe('GET /metrics content', () => {
  it('reports sessions by state from the database at scrape time, every state present', async () => {
    insertAccount({ db, id: 'a', name: 'A', onNews: recordAccountNews })
    insertAccount({ db, id: 'b', name: 'B', onNews: recordAccountNews })
    recordStatus({ db, id: 'a', status: 'connected', reason: null, onNews: recordAccountNews })
    const text = await metrics.render()
    expect(line(text, 'wa_gateway_sessions{state="connected"}')).toBe('wa_gateway_sessions{state="connected"} 1')
    expect(line(text, 'wa_gateway_sessions{state="disconnected"}')).toBe('wa_gateway_sessions{state="disconnected"} 1')
    expect(line(text, 'wa_gateway_sessions{state="failed"}')).toBe('wa_gateway_sessions{state="failed"} 0')
    expect(line(text, 'wa_gateway_send_queue_depth')).toBe('wa_gateway_send_queue_depth 0')
    expect(line(text, 'wa_gateway_info{version="9.9.9"}')).toBe('wa_gateway_info{version="9.9.9"} 1')
    expect(text).toMatch(/^process_cpu_user_seconds_total /m)
    expect(metrics.contentType).toContain('text/plain')
  })

  it('counts messages by direction and kind, and status changes, from the bus', async () => {
    const m = (direction: 'in' | 'out', type: string, status = 'sent') => ({ direction, type, status }) as unknown as MessageView
    bus.emit('message.created', { accountId: 'a', message: m('in', 'text') })
    bus.emit('message.created', { accountId: 'a', message: m('in', 'text') })
    bus.emit('message.created', { accountId: 'a', message: m('out', 'location') })
    bus.emit('message.updated', { accountId: 'a', message: m('out', 'text', 'read') })
    const text = await metrics.render()
    expect(line(text, 'wa_gateway_messages_total{direction="in",kind="text"}')).toBe(
      'wa_gateway_messages_total{direction="in",kind="text"} 2',
    )
    expect(line(text, 'wa_gateway_messages_total{direction="out",kind="location"}')).toBe(
      'wa_gateway_messages_total{direction="out",kind="location"} 1',
    )
    expect(line(text, 'wa_gateway_message_updates_total{status="read"}')).toBe('wa_gateway_message_updates_total{status="read"} 1')
  })

  it('counts messages the log failed to store, by account', async () => {
    bus.emit('messages.store_failed', { accountId: 'a', count: 3, error: 'disk I/O error', at: Date.now() })
    const text = await metrics.render()
    expect(line(text, 'wa_gateway_message_store_failures_total{account="a"}')).toBe(
      'wa_gateway_message_store_failures_total{account="a"} 3',
    )
  })

  it('the webhook extension point adds its series to the same registry', async () => {
    const webhooks = registerWebhookMetrics(metrics.registry, { backlog: () => 7 })
    webhooks.attempt('delivered', 0.12)
    webhooks.attempt('retrying', 3)
    const text = await metrics.render()
    expect(line(text, 'wa_gateway_webhook_deliveries_total{outcome="delivered"}')).toMatch(/ 1$/)
    expect(line(text, 'wa_gateway_webhook_delivery_seconds_count')).toBe('wa_gateway_webhook_delivery_seconds_count 2')
    expect(line(text, 'wa_gateway_webhook_backlog')).toBe('wa_gateway_webhook_backlog 7')
  })
})

describe('who may read /metrics', () => {
  it('the configured bearer token or a gateway-wide admin key; nothing else', () => {
    insertAccount({ db, id: 'shop', name: 'Shop', onNews: recordAccountNews })
    const keys = new KeyService({ db, envKey: ENV_KEY })
    const admin = keys.issue({ name: 'prom', accountId: null, scopes: ['admin'], createdBy: 'test' }).key
    const reader = keys.issue({ name: 'reader', accountId: null, scopes: ['accounts:read'], createdBy: 'test' }).key
    const account = keys.issue({ name: 'shop', accountId: 'shop', scopes: ['accounts:read', 'messages:read'], createdBy: 'test' }).key
    const can = (header: string | null, token?: string) => metricsAccess(header, { token, keys })
    expect(can(`Bearer ${TOKEN}`, TOKEN)).toBe(true)
    expect(can(`bearer ${TOKEN}`, TOKEN)).toBe(true)
    expect(can(`Bearer ${TOKEN}x`, TOKEN)).toBe(false)
    expect(can(`Bearer ${TOKEN}`)).toBe(false) // no token configured
    expect(can(`Bearer ${admin}`)).toBe(true)
    expect(can(`Bearer ${ENV_KEY}`)).toBe(true)
    expect(can(`Bearer ${reader}`)).toBe(false)
    expect(can(`Bearer ${account}`)).toBe(false)
    expect(can(null, TOKEN)).toBe(false)
    expect(can(TOKEN, TOKEN)).toBe(false)
    keys.revoke(keys.list(null).find((k) => k.name === 'prom')?.id ?? '', 'test')
    expect(can(`Bearer ${admin}`)).toBe(false)
  })
})
