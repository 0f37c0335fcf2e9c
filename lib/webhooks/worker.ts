import crypto from 'node:crypto'
import os from 'node:os'
import type { Keyring } from '@/lib/crypto/aead'
import type { DB } from '@/lib/db/client'
import { enabledEndpointIds, findEndpoint, noteEndpointOutcome } from '@/lib/db/webhook-endpoints'
import { claimableFor, claimDelivery, eventPayload, getDelivery, recordAttempt, releaseLeases } from '@/lib/db/webhooks'
import { type AttemptView, deliverySummary, endpointView } from '@/lib/webhooks/views'
import { isAppError } from '@/lib/errors'
import type { EventBus } from '@/lib/events/bus'
import type { Logger } from '@/lib/logger'
import type { WebhookMetrics } from '@/lib/metrics/webhooks'
import { guardedRequest, readBody } from '@/lib/net/outbound'
import type { WebhookConfig } from './config'
import { type AttemptOutcome, decideAfterAttempt } from './policy'
import { isReservedHeader } from './rules'
import { openSecrets, signingSecrets } from './secrets'
import { signatureHeaders } from './signing'

/** How much of an answer an attempt keeps. */
const RESPONSE_BYTES = 1024
/** An unordered endpoint gets at most this many attempts in flight at once, unless configured otherwise. */
const PER_ENDPOINT_PARALLEL = 8
/** Leases of a crashed process (or due retries) are found by this poll at the latest. */
const POLL_MS = 1000

/**
 * Delivers pending webhook deliveries. Each is claimed with a lease (a conditional UPDATE), attempted
 * once, and its attempt and outcome recorded in one transaction that also ends the lease. A process
 * that dies mid-attempt leaves a lease that runs out; the delivery is then claimed again (by this
 * process after a restart, or another one), so it is retried, never lost and never stuck.
 * An ordered endpoint has at most its oldest pending delivery in flight; an unordered one at most its
 * fair share of the slots (`slotsPerEndpoint`, by default half of them and at most 8), so a slow or
 * dead receiver cannot hold every slot while the other endpoints' deliveries wait.
 */
export class DeliveryWorker {
  readonly owner = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`
  private readonly inFlight = new Map<number, { endpointId: string; abort: AbortController; done: Promise<void> }>()
  private readonly perEndpoint = new Map<string, number>()
  private scheduled = false
  private stopped = true
  private timer: NodeJS.Timeout | undefined
  private poller: NodeJS.Timeout | undefined
  private readonly log: Logger
  private rotate = 0

  constructor(
    private readonly deps: {
      db: DB
      keyring: Keyring
      logger: Logger
      config: WebhookConfig
      userAgent: string
      now?: () => number
      /** where each attempt's outcome and duration is counted (GET /metrics) */
      metrics?: WebhookMetrics
      /** where each recorded attempt is announced (the dashboard follows deliveries live) */
      bus?: EventBus
    },
  ) {
    this.log = deps.logger.child({ component: 'webhooks' })
  }

  private now(): number {
    return (this.deps.now ?? Date.now)()
  }

  /** The slots one unordered endpoint may hold at once. */
  private get share(): number {
    const { concurrency, slotsPerEndpoint } = this.deps.config
    return Math.max(1, slotsPerEndpoint ?? Math.min(PER_ENDPOINT_PARALLEL, Math.ceil(concurrency / 2)))
  }

  start(): void {
    this.stopped = false
    const poll = () => {
      this.poller = setTimeout(() => {
        this.kick()
        if (!this.stopped) poll()
      }, POLL_MS)
      this.poller.unref()
    }
    poll()
    this.kick()
  }

  /** Stops claiming; attempts in flight get `graceMs` to finish, then are aborted and their leases released. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    clearTimeout(this.poller)
    const all = Promise.all([...this.inFlight.values()].map((f) => f.done))
    let grace: NodeJS.Timeout | undefined
    await Promise.race([all, new Promise<void>((r) => (grace = setTimeout(r, graceMs)))])
    clearTimeout(grace)
    for (const f of this.inFlight.values()) f.abort.abort()
    await all
    releaseLeases({ db: this.deps.db, owner: this.owner })
  }

  kick(): void {
    if (this.scheduled || this.stopped) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      try {
        this.tick()
      } catch (err) {
        this.log.error({ err }, 'webhook worker tick failed')
      }
    })
  }

  private tick(): void {
    if (this.stopped) return
    const { db, config } = this.deps
    const now = this.now()
    const endpoints = enabledEndpointIds({ db })
    let wake = Number.POSITIVE_INFINITY
    // Start at a different endpoint each tick, so none is always served first when slots are short.
    const start = endpoints.length ? this.rotate++ % endpoints.length : 0
    for (let i = 0; i < endpoints.length; i++) {
      const ep = endpoints[(start + i) % endpoints.length]
      if (!ep) continue
      const free = config.concurrency - this.inFlight.size
      if (free <= 0) break
      const busy = this.perEndpoint.get(ep.id) ?? 0
      const room = Math.min(free, (ep.ordered ? 1 : this.share) - busy)
      if (room <= 0) continue
      const { ids, wakeAt } = claimableFor({ db, endpointId: ep.id, ordered: ep.ordered, now, max: room })
      if (wakeAt !== null) wake = Math.min(wake, wakeAt)
      for (const id of ids) {
        if (this.inFlight.has(id)) continue
        if (!claimDelivery({ db, id, owner: this.owner, now, leaseMs: config.leaseMs })) continue
        this.launch(id, ep.id)
      }
    }
    clearTimeout(this.timer)
    if (Number.isFinite(wake)) {
      this.timer = setTimeout(() => this.kick(), Math.max(0, Math.min(wake - now, POLL_MS)))
      this.timer.unref()
    }
  }

  private launch(id: number, endpointId: string): void {
    const abort = new AbortController()
    this.perEndpoint.set(endpointId, (this.perEndpoint.get(endpointId) ?? 0) + 1)
    const done = this.attempt(id, abort.signal)
      .catch((err: unknown) => this.log.error({ err, deliveryId: id }, 'webhook attempt failed unexpectedly'))
      .finally(() => {
        this.inFlight.delete(id)
        const n = (this.perEndpoint.get(endpointId) ?? 1) - 1
        if (n > 0) this.perEndpoint.set(endpointId, n)
        else this.perEndpoint.delete(endpointId)
        this.kick()
      })
    this.inFlight.set(id, { endpointId, abort, done })
  }

  /** Tells the dashboard what an attempt did: the delivery now, the attempt, the endpoint's health after it. */
  private announce(a: { id: number; accountId: string | null; webhookId: string; attempt: AttemptView; disabled: boolean }): void {
    const { bus, db } = this.deps
    if (!bus) return
    const row = getDelivery({ db, id: a.id })
    const ep = findEndpoint({ db, id: a.webhookId })
    if (!row) return
    const webhook = ep ? endpointView(ep, this.now()) : null
    const change = row.status === 'delivered' ? 'succeeded' : row.status === 'failed' ? 'failed' : 'attempted'
    bus.emit('webhook.delivery', { change, accountId: a.accountId, delivery: deliverySummary(row), attempt: a.attempt, webhook })
    if (a.disabled) bus.emit('webhook.endpoint', { change: 'disabled', accountId: a.accountId, webhookId: a.webhookId, webhook })
  }

  private async attempt(id: number, signal: AbortSignal): Promise<void> {
    const { db, config } = this.deps
    const delivery = getDelivery({ db, id })
    const endpoint = delivery ? findEndpoint({ db, id: delivery.endpointId }) : undefined
    const body = delivery ? eventPayload({ db, eventId: delivery.eventId }) : undefined
    if (!delivery || !endpoint || body === undefined) return
    const started = this.now()
    let outcome: AttemptOutcome
    let statusCode: number | null = null
    let response: string | null = null
    try {
      const secrets = openSecrets(this.deps.keyring, endpoint)
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(secrets.headers)) if (!isReservedHeader(k)) headers[k] = v // refused on input; older rows may hold one
      Object.assign(
        headers,
        { 'content-type': 'application/json', 'user-agent': this.deps.userAgent },
        signatureHeaders({ id: delivery.eventId, body, secrets: signingSecrets(secrets, endpoint, started), now: started }),
      )
      const res = await guardedRequest(endpoint.url, {
        policy: config.policy,
        // only a refused host name logs through it (rare): no child logger per attempt
        log: this.log,
        method: 'POST',
        headers,
        body,
        timeoutMs: config.timeoutMs,
        maxRedirects: 0,
        signal,
      })
      statusCode = res.status
      try {
        response = (await readBody(res.body, RESPONSE_BYTES)).toString('utf8')
      } catch {
        res.body.destroy()
      }
      const h = res.headers
      outcome = { kind: 'response', status: res.status, retryAfter: h['retry-after'], location: h.location }
    } catch (err) {
      if (signal.aborted) return // shutting down: the lease is released, the attempt did not count
      const message = err instanceof Error ? err.message : String(err)
      outcome = !isAppError(err)
        ? { kind: 'network', message }
        : err.code === 'upstream_timeout'
          ? { kind: 'timeout', message }
          : err.code === config.policy.forbiddenCode
            ? { kind: 'refused', message }
            : { kind: 'network', message }
    }
    const at = this.now()
    const decision = decideAfterAttempt(
      { outcome, attemptsMade: delivery.cycleAttempts + 1, now: at, failingSince: endpoint.failingSince },
      config.retry,
    )
    const ok = decision.action === 'delivered'
    const disable = decision.action === 'delivered' ? undefined : decision.disableEndpoint
    const attemptView = {
      at: new Date(at).toISOString(),
      statusCode,
      durationMs: at - started,
      error: ok ? null : decision.error,
      response,
    }
    const recorded = db.$client
      .transaction(() => {
        const recorded = recordAttempt({
          db,
          a: {
            deliveryId: id,
            owner: this.owner,
            at,
            statusCode,
            durationMs: at - started,
            error: ok ? null : decision.error,
            response,
            next: ok
              ? { status: 'delivered' }
              : decision.action === 'retry'
                ? { status: 'pending', at: decision.at }
                : { status: 'failed' },
          },
        })
        if (recorded) noteEndpointOutcome({ db, id: endpoint.id, ok, at, ...(disable ? { disable } : {}) })
        return recorded
      })
      .immediate()
    if (recorded) this.announce({ id, accountId: endpoint.accountId, webhookId: endpoint.id, attempt: attemptView, disabled: !!disable })
    this.deps.metrics?.attempt(
      disable ? 'disabled' : ok ? 'delivered' : decision.action === 'retry' ? 'retrying' : 'failed',
      (at - started) / 1000,
    )
    if (disable) this.log.warn({ webhookId: endpoint.id, reason: disable }, 'webhook endpoint disabled')
    else if (!ok)
      this.log.info({ webhookId: endpoint.id, deliveryId: id, error: decision.error, action: decision.action }, 'webhook attempt failed')
  }
}
