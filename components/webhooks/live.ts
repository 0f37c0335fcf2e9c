'use client'

import { useCallback, useEffect, useRef } from 'react'
import { type GatewaySocket, useRealtimeEvent, useResumableFeed } from '@/components/realtime/realtime-provider'
import type { DeliveryView, WebhookView } from '@/lib/webhooks/views'
import type { DeliverySignal, EndpointSignal, EventPosition, WatchResult } from '@/lib/realtime/events'

/** The dashboard's delivery-progress signal (not a domain event: webhooks never receive it). */
export type DeliveryEvent = DeliverySignal
export type EndpointEvent = EndpointSignal

/**
 * Applies one delivery event to a list (newest first). A known delivery takes the new state and the
 * attempt that changed it; an event older than what the list holds (a replay after the page was read)
 * changes nothing. An unknown one is added only when `accept` says it belongs on this list.
 */
export function applyDelivery(
  rows: DeliveryView[],
  e: DeliveryEvent,
  opts: { accept: (d: DeliveryEvent['delivery']) => boolean; limit: number },
): DeliveryView[] {
  const i = rows.findIndex((r) => r.id === e.delivery.id)
  const cur = rows[i]
  if (cur) {
    if (e.delivery.attempts < cur.attempts || (e.change === 'created' && cur.attempts >= e.delivery.attempts)) return rows
    const attempt = e.attempt
    const attemptLog = attempt && !cur.attemptLog.some((a) => a.at === attempt.at) ? [...cur.attemptLog, attempt] : cur.attemptLog
    const next = rows.slice()
    next[i] = { ...e.delivery, attemptLog }
    return next
  }
  if (!opts.accept(e.delivery)) return rows
  const added = { ...e.delivery, attemptLog: e.attempt ? [e.attempt] : [] }
  return [added, ...rows].sort((a, b) => b.id - a.id).slice(0, opts.limit)
}

/** Applies an endpoint event (or the endpoint state a delivery event carries) to a list of endpoints. */
export function applyEndpoint(list: WebhookView[], e: { change: string; webhookId: string; webhook: WebhookView | null }): WebhookView[] {
  if (e.change === 'deleted') return list.filter((w) => w.id !== e.webhookId)
  const w = e.webhook
  if (!w) return list
  return list.some((x) => x.id === w.id) ? list.map((x) => (x.id === w.id ? w : x)) : [...list, w]
}

/**
 * Follows webhook changes live — every endpoint's (`scope: 'all'`, the Webhooks page) or one account's
 * bound endpoints (its room) — resuming from `initial` after every reconnect; `onIncomplete` runs when
 * the server could not replay what was missed (the page re-reads then).
 */
export function useWebhookFeed({
  scope,
  initial,
  onIncomplete,
  onDelivery,
  onEndpoint,
}: {
  scope: { all: true } | { accountId: string }
  initial: EventPosition
  onIncomplete: () => void
  onDelivery: (e: DeliveryEvent) => void
  onEndpoint: (e: EndpointEvent) => void
}): void {
  const accountId = 'accountId' in scope ? scope.accountId : null
  const join = useCallback(
    (socket: GatewaySocket, since: EventPosition, ack: (r: WatchResult) => void) => {
      if (accountId === null) {
        socket.emit('webhooks:watch', { since }, ack)
        return () => {
          socket.emit('webhooks:unwatch')
        }
      }
      socket.emit('account:watch', { accountId, since }, ack)
      return () => {
        socket.emit('account:unwatch', accountId)
      }
    },
    [accountId],
  )
  const seen = useResumableFeed(join, initial, onIncomplete)
  const handlers = useRef({ onDelivery, onEndpoint })
  useEffect(() => {
    handlers.current = { onDelivery, onEndpoint }
  }, [onDelivery, onEndpoint])
  const mine = useCallback((a: string | null) => accountId === null || a === accountId, [accountId])
  useRealtimeEvent(
    'dashboard.webhook_delivery',
    useCallback(
      (e: DeliveryEvent) => {
        if (!mine(e.accountId)) return
        seen(e.seq)
        handlers.current.onDelivery(e)
      },
      [mine, seen],
    ),
  )
  useRealtimeEvent(
    'dashboard.webhook_endpoint',
    useCallback(
      (e: EndpointEvent) => {
        if (!mine(e.accountId)) return
        seen(e.seq)
        handlers.current.onEndpoint(e)
      },
      [mine, seen],
    ),
  )
}
