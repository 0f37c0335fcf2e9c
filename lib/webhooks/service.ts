import crypto from 'node:crypto'
import type { Keyring } from '@/lib/crypto/aead'
import { findAccount } from '@/lib/db/accounts'
import type { DB } from '@/lib/db/client'
import type { DeliveryStatus, EventType } from '@/lib/db/schema'
import {
  countEndpoints,
  deleteEndpoint,
  type EndpointRow,
  findEndpoint,
  insertEndpoint,
  listEndpoints,
  updateEndpoint,
} from '@/lib/db/webhook-endpoints'
import { type DeliveryRow, failedDeliveryIds, getDelivery, insertDelivery, listDeliveries, replayDeliveries } from '@/lib/db/webhooks'
import { AppError } from '@/lib/errors'
import type { EventBus } from '@/lib/events/bus'
import { recordEvent } from '@/lib/events/outbox'
import type { WebhookDeliveryChange, WebhookEndpointChange } from '@/lib/events/types'
import { checkUrl } from '@/lib/net/outbound'
import type { WebhookConfig } from './config'
import { mergeHeaders } from './rules'
import { deliverySummary, type DeliveryView, deliveryViews, endpointView, type WebhookView } from './views'
import { type EndpointSecrets, openSecrets, sealSecrets } from './secrets'
import { newSecret } from './signing'

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** replay-many announces at most this many deliveries one by one (the rest update when attempted) */
const REPLAY_ANNOUNCE_CAP = 500

export type { DeliveryView, WebhookView }
/** The lists a deliveries filter accepts (the Webhooks page validates its query against them). */
export { DELIVERY_STATUSES, EVENT_TYPES } from '@/lib/db/schema'

export type NewWebhook = {
  url: string
  accountId?: string | null
  events?: EventType[] | null
  headers?: Record<string, string>
  description?: string
  enabled?: boolean
  ordered?: boolean
}
/** `headers` and `keepHeaders` together: the custom headers become `headers` plus the stored ones named in `keepHeaders`. */
export type WebhookPatch = Omit<Partial<NewWebhook>, 'accountId'> & { keepHeaders?: string[] }

/** The custom headers after a change, or a validation error naming the header at fault. */
function headersOrThrow(stored: Record<string, string>, set: Record<string, string>, keep: readonly string[]): Record<string, string> {
  const r = mergeHeaders(stored, set, keep)
  if ('headers' in r) return r.headers
  const kept = r.name === undefined ? -1 : keep.indexOf(r.name)
  const path = r.name === undefined ? 'headers' : kept >= 0 ? `keepHeaders.${kept}` : `headers.${r.name}`
  throw new AppError('validation_failed', r.error, { details: [{ path, message: r.error }] })
}

/**
 * Webhook endpoints as the API manages them. `scope` is the caller's account (an account key) or
 * null (gateway-wide caller): an account caller sees and changes its account's endpoints only, and
 * any other endpoint answers 404 like a missing one.
 */
export class WebhookService {
  constructor(
    private readonly deps: {
      db: DB
      keyring: Keyring
      config: WebhookConfig
      onDeliveries: () => void
      now?: () => number
      /** where endpoint changes and new deliveries are announced (the dashboard follows them live) */
      bus?: EventBus
    },
  ) {}

  private announceEndpoint(change: WebhookEndpointChange, row: EndpointRow, after: EndpointRow | null): void {
    this.deps.bus?.emit('webhook.endpoint', {
      change,
      accountId: row.accountId,
      webhookId: row.id,
      webhook: after ? endpointView(after, this.now()) : null,
    })
  }

  private announceDelivery(change: WebhookDeliveryChange, accountId: string | null, d: DeliveryRow): void {
    this.deps.bus?.emit('webhook.delivery', { change, accountId, delivery: deliverySummary(d), attempt: null, webhook: null })
  }

  private now(): number {
    return (this.deps.now ?? Date.now)()
  }

  private checkTarget(url: string): void {
    // scheme, credentials and IP literals now; names are checked at every delivery (DNS answers change)
    checkUrl(url, this.deps.config.policy)
  }

  create(scope: string | null, input: NewWebhook): { webhook: WebhookView; secret: string } {
    const { db, keyring } = this.deps
    const accountId = scope ?? input.accountId ?? null
    if (accountId !== null && !findAccount({ db, id: accountId })) throw new AppError('not_found', `No account with id "${accountId}".`)
    this.checkTarget(input.url)
    const id = `whk_${crypto.randomBytes(8).toString('hex')}`
    const secret = newSecret()
    const headers = headersOrThrow({}, input.headers ?? {}, [])
    const now = this.now()
    const values = {
      id,
      accountId,
      url: input.url,
      description: input.description ?? '',
      events: input.events ?? null,
      enabled: input.enabled ?? true,
      ordered: input.ordered ?? true,
      headerNames: Object.keys(headers),
      ...sealSecrets(keyring, id, { secret, previous: null, headers }),
      createdAt: now,
      updatedAt: now,
    }
    // counted and inserted in one write transaction, so two creations at once cannot both take the last place
    const row = db.$client
      .transaction(() => {
        this.assertRoomFor(accountId)
        return insertEndpoint({ db, row: values })
      })
      .immediate()
    this.announceEndpoint('created', row, row)
    return { webhook: endpointView(row, now), secret }
  }

  list(scope: string | null, accountId?: string): WebhookView[] {
    const now = this.now()
    return listEndpoints({ db: this.deps.db, accountId: scope ?? accountId }).map((r) => endpointView(r, now))
  }

  /** Whose events an endpoint receives, and which (what the API's scope rules judge); 404 like get. */
  reach(scope: string | null, id: string): { accountId: string | null; events: string[] | null } {
    const row = this.require(scope, id)
    return { accountId: row.accountId, events: row.events }
  }

  get(scope: string | null, id: string): WebhookView {
    return endpointView(this.require(scope, id), this.now())
  }

  update(scope: string | null, id: string, patch: WebhookPatch): WebhookView {
    const row = this.require(scope, id)
    if (patch.url !== undefined) this.checkTarget(patch.url)
    const changes: Partial<EndpointRow> = {}
    if (patch.url !== undefined) changes.url = patch.url
    if (patch.description !== undefined) changes.description = patch.description
    if (patch.events !== undefined) changes.events = patch.events
    if (patch.ordered !== undefined) changes.ordered = patch.ordered
    if (patch.enabled !== undefined) {
      changes.enabled = patch.enabled
      // re-enabling starts a new failing window; pending deliveries resume
      if (patch.enabled) Object.assign(changes, { disabledReason: null, disabledAt: null, failingSince: null, consecutiveFailures: 0 })
      else Object.assign(changes, { disabledReason: 'disabled through the API', disabledAt: this.now() })
    }
    if (patch.headers !== undefined || patch.keepHeaders !== undefined) {
      const secrets = this.secrets(row)
      const headers = headersOrThrow(secrets.headers, patch.headers ?? {}, patch.keepHeaders ?? [])
      Object.assign(changes, sealSecrets(this.deps.keyring, row.id, { ...secrets, headers }), { headerNames: Object.keys(headers) })
    }
    const updated = updateEndpoint({ db: this.deps.db, id: row.id, patch: changes })
    if (!updated) throw new AppError('not_found', `No webhook ${id}.`)
    if (patch.enabled) this.deps.onDeliveries()
    this.announceEndpoint('updated', updated, updated)
    return endpointView(updated, this.now())
  }

  remove(scope: string | null, id: string): void {
    const row = this.require(scope, id)
    deleteEndpoint({ db: this.deps.db, id: row.id })
    this.announceEndpoint('deleted', row, null)
  }

  /** A new secret, shown once; the old one keeps signing (beside it) for `overlapMs`. */
  rotateSecret(scope: string | null, id: string, overlapMs?: number): { secret: string; previousSecretExpiresAt: string | null } {
    const row = this.require(scope, id)
    const old = this.secrets(row)
    const secret = newSecret()
    const overlap = overlapMs ?? this.deps.config.rotationOverlapMs
    const until = overlap > 0 ? this.now() + overlap : null
    const updated = updateEndpoint({
      db: this.deps.db,
      id: row.id,
      patch: {
        ...sealSecrets(this.deps.keyring, row.id, { ...old, secret, previous: until ? old.secret : null }),
        previousSecretUntil: until,
      },
    })
    if (updated) this.announceEndpoint('updated', updated, updated)
    return { secret, previousSecretExpiresAt: iso(until) }
  }

  deliveries(
    scope: string | null,
    id: string,
    filter: {
      status?: DeliveryStatus
      eventType?: string
      eventId?: string
      since?: number
      until?: number
      before?: number
      limit: number
    },
  ): { data: DeliveryView[]; nextBefore: number | null } {
    const row = this.require(scope, id)
    const rows = listDeliveries({ db: this.deps.db, endpointId: row.id, filter, limit: filter.limit + 1 })
    const page = rows.slice(0, filter.limit)
    return { data: this.views(page), nextBefore: rows.length > filter.limit ? (page.at(-1)?.id ?? null) : null }
  }

  replay(scope: string | null, id: string, deliveryId: number): DeliveryView {
    const row = this.require(scope, id)
    const d = getDelivery({ db: this.deps.db, id: deliveryId })
    if (d?.endpointId !== row.id) throw new AppError('not_found', `No delivery ${deliveryId} for webhook ${id}.`)
    if (d.status === 'pending') throw new AppError('conflict', 'The delivery is still pending; it is attempted on its schedule.')
    replayDeliveries({ db: this.deps.db, endpointId: row.id, ids: [d.id], now: this.now() })
    this.deps.onDeliveries()
    const after = getDelivery({ db: this.deps.db, id: d.id }) ?? d
    this.announceDelivery('replayed', row.accountId, after)
    return this.view(after)
  }

  replayFailed(scope: string | null, id: string, range: { since: number; until: number }): { replayed: number } {
    const row = this.require(scope, id)
    const ids = failedDeliveryIds({ db: this.deps.db, endpointId: row.id, ...range })
    const replayed = replayDeliveries({ db: this.deps.db, endpointId: row.id, ids, now: this.now() })
    if (replayed) this.deps.onDeliveries()
    // Open pages show each row as pending again at once, as for a single replay. Past the cap a row
    // changes when its attempt is recorded: the events of one click stay bounded.
    for (const deliveryId of ids.slice(0, REPLAY_ANNOUNCE_CAP)) {
      const d = getDelivery({ db: this.deps.db, id: deliveryId })
      if (d) this.announceDelivery('replayed', row.accountId, d)
    }
    return { replayed }
  }

  /** A `webhook.test` event for this endpoint only, delivered like any other. */
  test(scope: string | null, id: string): DeliveryView {
    const row = this.require(scope, id)
    const { db } = this.deps
    const now = this.now()
    const deliveryId = db.$client
      .transaction(() => {
        const event = recordEvent(db, {
          type: 'webhook.test',
          accountId: row.accountId,
          data: { webhookId: row.id, message: 'A test event sent from the gateway.' },
          at: now,
          dispatched: true,
        })
        insertDelivery({ db, endpointId: row.id, eventId: event.id, eventType: event.type, at: now, dueAt: now })
        return listDeliveries({ db, endpointId: row.id, filter: { eventId: event.id }, limit: 1 })[0]?.id
      })
      .immediate()
    this.deps.onDeliveries()
    const d = deliveryId !== undefined ? getDelivery({ db, id: deliveryId }) : undefined
    if (!d) throw new AppError('internal', 'The test delivery was not created.')
    this.announceDelivery('created', row.accountId, d)
    return this.view(d)
  }

  /** 429 quota_exceeded when the account (or every-account endpoints, for null) has no room for another endpoint. */
  private assertRoomFor(accountId: string | null): void {
    const max = this.deps.config.endpointsPerAccount
    if (max === undefined) return
    const n = countEndpoints({ db: this.deps.db, accountId })
    if (n < max) return
    const whose = accountId === null ? 'There are' : `Account "${accountId}" has`
    throw new AppError(
      'quota_exceeded',
      `${whose} ${n} webhook endpoints${accountId === null ? ' for every account' : ''}, the most allowed (WEBHOOK_ENDPOINTS_PER_ACCOUNT=${max}). Delete one first.`,
      { details: { limit: max, endpoints: n } },
    )
  }

  private require(scope: string | null, id: string): EndpointRow {
    const row = findEndpoint({ db: this.deps.db, id })
    if (!row || (scope !== null && row.accountId !== scope)) throw new AppError('not_found', `No webhook ${id}.`)
    return row
  }

  /** Opens the sealed secrets, re-sealing them under the current key when an older one sealed them. */
  private secrets(row: EndpointRow): EndpointSecrets {
    const s = openSecrets(this.deps.keyring, row)
    if (row.secretsKeyId !== this.deps.keyring.currentKeyId) {
      updateEndpoint({ db: this.deps.db, id: row.id, patch: sealSecrets(this.deps.keyring, row.id, s) })
    }
    return s
  }

  private view(row: DeliveryRow): DeliveryView {
    const [v] = deliveryViews({ db: this.deps.db, rows: [row] })
    if (!v) throw new AppError('internal', `Delivery ${row.id} has no view.`)
    return v
  }

  private views(rows: DeliveryRow[]): DeliveryView[] {
    return deliveryViews({ db: this.deps.db, rows })
  }
}
