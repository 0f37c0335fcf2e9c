import { z } from 'zod'
import { EVENT_TYPES } from '@/lib/vocabulary/event-types'
import { ACCOUNT_ID_PATTERN } from '@/lib/sessions/account-id'
import {
  DELIVERY_STATUSES,
  HEADER_NAME,
  headerNameProblem,
  headerValueProblem,
  MAX_HEADER_VALUE,
  MAX_HEADERS,
  SUBSCRIBABLE,
} from '@/lib/webhooks/rules'

export { SUBSCRIBABLE }

const Instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2027-01-31T00:00:00Z' })

const EventTypeName = z.enum(SUBSCRIBABLE, `must be one of ${SUBSCRIBABLE.join(', ')}`)

export const WebhookId = z
  .string()
  .regex(/^whk_[0-9a-f]{16}$/, 'must be a webhook id (whk_ followed by 16 hex digits)')
  .meta({ examples: ['whk_5b1f0c9e2a7d4f31'] })
export const WebhookParams = z.object({ webhookId: WebhookId })
export const DeliveryParams = z.object({ webhookId: WebhookId, deliveryId: z.coerce.number().int().positive() })

const Url = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .refine((v) => URL.canParse(v), 'must be an absolute URL')
  .meta({ description: 'https URL the events are POSTed to', examples: ['https://crm.example.com/hooks/whatsapp'] })

const HeaderName = z.string().regex(HEADER_NAME, 'must be a header name')
/** Names compare case-insensitively; the gateway's own headers cannot be replaced. */
function checkNames(names: string[], ctx: z.core.$RefinementCtx, path: (name: string, i: number) => PropertyKey[]) {
  const seen = new Set<string>()
  names.forEach((name, i) => {
    const problem = headerNameProblem(name)
    if (problem) ctx.addIssue({ code: 'custom', path: path(name, i), message: problem })
    else if (seen.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', path: path(name, i), message: 'is given twice' })
    seen.add(name.toLowerCase())
  })
}
const Headers = z
  .record(
    HeaderName,
    z
      .string()
      .max(MAX_HEADER_VALUE, `must be at most ${MAX_HEADER_VALUE} characters`)
      .superRefine((v, ctx) => {
        // the length has its own issue above (and its maxLength in the OpenAPI document)
        const problem = v.length > MAX_HEADER_VALUE ? null : headerValueProblem(v)
        if (problem) ctx.addIssue({ code: 'custom', message: problem })
      }),
    { error: (iss) => (iss.code === 'invalid_key' ? 'is not a header name' : undefined) },
  )
  .refine((h) => Object.keys(h).length <= MAX_HEADERS, `at most ${MAX_HEADERS} headers`)
  .superRefine((h, ctx) => checkNames(Object.keys(h), ctx, (name) => [name]))
  .meta({
    description:
      'sent with every delivery (e.g. an Authorization of your own); stored encrypted, listed by name only. Values are one line of Latin-1 text without control characters. Refused names (any case): the ones the gateway sets (webhook-*, content-type, user-agent), hop-by-hop and framing ones (connection, keep-alive, te, trailer, transfer-encoding, upgrade, content-length, proxy-*) and the ones naming the target or caller (host, cookie, forwarded, via, x-real-ip, x-forwarded-*).',
    examples: [{ Authorization: 'Bearer my-receiver-token' }],
  })

const KeepHeaders = z
  .array(HeaderName)
  .max(MAX_HEADERS)
  .superRefine((names, ctx) => checkNames(names, ctx, (_, i) => [i]))
  .meta({
    description:
      'names of stored custom headers that keep their values (so a client never needs to know them). When `headers` or `keepHeaders` is given, the custom headers become exactly `headers` plus the kept ones; any other is removed.',
    examples: [['Authorization']],
  })

const Events = z
  .array(EventTypeName)
  .min(1, 'give at least one event type, or null for all')
  .refine((s) => new Set(s).size === s.length, 'must not repeat a type')
  .nullable()
  .meta({ description: 'the event types to deliver; null or omitted = all', examples: [['message.received', 'message.status']] })

const Description = z.string().trim().max(500, 'must be at most 500 characters')

export const CreateWebhookBody = z.strictObject({
  url: Url,
  accountId: z.string().regex(ACCOUNT_ID_PATTERN, 'must be an account id').nullable().optional().meta({
    description:
      "the account whose events it receives; null = every account's (gateway-wide callers only). An account key's default: its account.",
  }),
  events: Events.optional(),
  headers: Headers.optional(),
  description: Description.optional(),
  enabled: z.boolean().optional().meta({ description: 'default true' }),
  ordered: z
    .boolean()
    .optional()
    .meta({ description: 'default true: one delivery at a time, in event order; false = in parallel, order not kept' }),
})

export const UpdateWebhookBody = CreateWebhookBody.omit({ accountId: true })
  .extend({ keepHeaders: KeepHeaders.optional() })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change')
  .superRefine((b, ctx) => {
    const given = new Set(Object.keys(b.headers ?? {}).map((n) => n.toLowerCase()))
    b.keepHeaders?.forEach((name, i) => {
      if (given.has(name.toLowerCase()))
        ctx.addIssue({ code: 'custom', path: ['keepHeaders', i], message: 'is both kept and given a new value' })
    })
  })

export const ListWebhooksQuery = z.strictObject({
  accountId: z
    .string()
    .regex(ACCOUNT_ID_PATTERN, 'must be an account id')
    .optional()
    .meta({ description: 'only the endpoints of this account' }),
})

export const Webhook = z
  .object({
    id: WebhookId,
    accountId: z.string().nullable(),
    url: z.string(),
    description: z.string(),
    events: z.array(z.string()).nullable(),
    headers: z.array(z.string()).meta({ description: 'names of the custom headers (values are never shown)' }),
    enabled: z.boolean(),
    ordered: z.boolean(),
    disabledReason: z.string().nullable().meta({ description: 'why it was disabled (410 Gone, a failing window, the API)' }),
    disabledAt: z.iso.datetime().nullable(),
    health: z.object({
      lastSuccessAt: z.iso.datetime().nullable(),
      lastFailureAt: z.iso.datetime().nullable(),
      failingSince: z.iso.datetime().nullable().meta({ description: 'first failure since the last success' }),
      consecutiveFailures: z.number().int(),
    }),
    previousSecretExpiresAt: z.iso
      .datetime()
      .nullable()
      .meta({ description: 'during a rotation: until when the previous secret also signs' }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Webhook' })

export const CreatedWebhook = Webhook.extend({
  secret: z
    .string()
    .meta({ description: 'the signing secret: shown this once, store it now', examples: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] }),
}).meta({ id: 'CreatedWebhook' })

export const WebhookList = z.object({ data: z.array(Webhook) }).meta({ id: 'WebhookList' })

export const RotateSecretBody = z.strictObject({
  overlapSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .optional()
    .meta({ description: 'how long the previous secret keeps signing beside the new one (default 86400; 0 = stop at once)' }),
})
export const RotatedSecret = z
  .object({
    secret: z.string().meta({ description: 'the new secret: shown this once' }),
    previousSecretExpiresAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'RotatedSecret' })

export const DeliveriesQuery = z.strictObject({
  status: z.enum(DELIVERY_STATUSES).optional(),
  eventType: z.enum(EVENT_TYPES).optional(),
  eventId: z.string().max(40).optional().meta({ description: 'the deliveries of one event (its webhook-id)' }),
  since: Instant.optional().meta({ description: 'created at or after this instant' }),
  until: Instant.optional().meta({ description: 'created at or before this instant' }),
  before: z.coerce.number().int().positive().optional().meta({ description: 'the `nextBefore` of the previous page' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

export const Delivery = z
  .object({
    id: z.number().int(),
    webhookId: WebhookId,
    eventId: z.string().meta({ description: 'the event id: the webhook-id header, the same on every retry and replay' }),
    eventType: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    nextAttemptAt: z.iso.datetime().nullable(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    lastAttemptAt: z.iso.datetime().nullable(),
    deliveredAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    attemptLog: z.array(
      z.object({
        at: z.iso.datetime(),
        statusCode: z.number().int().nullable(),
        durationMs: z.number().int(),
        error: z.string().nullable(),
        response: z.string().nullable().meta({ description: 'the first 1024 bytes of the answer' }),
      }),
    ),
  })
  .meta({ id: 'WebhookDelivery' })

export const DeliveryList = z
  .object({ data: z.array(Delivery), nextBefore: z.number().int().nullable() })
  .meta({ id: 'WebhookDeliveryList' })

export const ReplayBody = z
  .strictObject({ since: Instant, until: Instant })
  .refine((b) => Date.parse(b.since) <= Date.parse(b.until), { error: 'must not be after until', path: ['since'] })
export const Replayed = z.object({ replayed: z.number().int() }).meta({ id: 'WebhookReplayResult' })

const at = '2026-01-02T08:30:00.000Z'
export const WEBHOOK_EXAMPLE = {
  id: 'whk_5b1f0c9e2a7d4f31',
  accountId: 'support',
  url: 'https://crm.example.com/hooks/whatsapp',
  description: 'CRM',
  events: ['message.received', 'message.status'],
  headers: ['Authorization'],
  enabled: true,
  ordered: true,
  disabledReason: null,
  disabledAt: null,
  health: { lastSuccessAt: at, lastFailureAt: null, failingSince: null, consecutiveFailures: 0 },
  previousSecretExpiresAt: null,
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
}
export const DELIVERY_EXAMPLE = {
  id: 42,
  webhookId: 'whk_5b1f0c9e2a7d4f31',
  eventId: '01KB3ZQ7C2N8V5X0J9W4R6T1YE',
  eventType: 'message.received',
  status: 'delivered' as const,
  attempts: 2,
  nextAttemptAt: null,
  lastStatusCode: 200,
  lastError: null,
  lastAttemptAt: at,
  deliveredAt: at,
  createdAt: '2026-01-02T08:29:55.000Z',
  attemptLog: [
    { at: '2026-01-02T08:29:55.010Z', statusCode: 503, durationMs: 41, error: 'HTTP 503', response: 'busy' },
    { at, statusCode: 200, durationMs: 12, error: null, response: 'ok' },
  ],
}
