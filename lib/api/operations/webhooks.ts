import { defineOperation } from '../operation'
import {
  CreatedWebhook,
  CreateWebhookBody,
  DELIVERY_EXAMPLE,
  DeliveriesQuery,
  Delivery,
  DeliveryList,
  DeliveryParams,
  ListWebhooksQuery,
  Replayed,
  ReplayBody,
  RotatedSecret,
  RotateSecretBody,
  UpdateWebhookBody,
  Webhook,
  WEBHOOK_EXAMPLE,
  WebhookList,
  WebhookParams,
} from '../schemas/webhooks'

const tag = 'Webhooks'
const manage = { scope: 'webhooks:manage' } as const
const SECRET_EXAMPLE = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
/** enforced in the route handlers by assertMayReach (lib/api/webhook-reach.ts): it depends on the endpoint */
const CONTENT_NOTE =
  "**Also needs** `messages:read` when the endpoint's events carry message content (any `message.*` event, or every event when `events` is null), and `admin` for an endpoint of every account (`accountId: null`). Missing either: 403 `insufficient_scope` naming it."
const EVERY_ACCOUNT_NOTE =
  '**Also needs** `admin` for an endpoint of every account (`accountId: null`): 403 `insufficient_scope` otherwise.'

/** An endpoint URL as the audit log keeps it: scheme, host and path; a query or user info may hold a token. */
function auditUrl(url: string): string {
  const u = URL.parse(url)
  return u ? `${u.protocol}//${u.host}${u.pathname}` : '(not a URL)'
}

export const createWebhook = defineOperation({
  id: 'createWebhook',
  method: 'POST',
  path: '/webhooks',
  tag,
  summary: 'Create a webhook endpoint',
  description:
    "Events are POSTed to `url`, signed per Standard Webhooks with the endpoint's own secret — in the answer, shown this once. An account key creates endpoints of its account; `accountId: null` (every account's events) needs a gateway-wide `admin` caller. At most WEBHOOK_ENDPOINTS_PER_ACCOUNT endpoints per account (429 `quota_exceeded`). Targets on private or loopback addresses are refused unless WEBHOOK_ALLOWED_CIDRS allows them.",
  auth: manage,
  authNote: CONTENT_NOTE,
  body: CreateWebhookBody,
  maxBodyBytes: 32 * 1024,
  bodyExample: {
    url: 'https://crm.example.com/hooks/whatsapp',
    accountId: 'support',
    events: ['message.received', 'message.status'],
    headers: { Authorization: 'Bearer my-receiver-token' },
    description: 'CRM',
  },
  success: {
    status: 201,
    description: 'The endpoint, with its signing secret (shown once)',
    schema: CreatedWebhook,
    example: { ...WEBHOOK_EXAMPLE, health: { ...WEBHOOK_EXAMPLE.health, lastSuccessAt: null }, secret: SECRET_EXAMPLE },
  },
  errors: ['webhook_url_forbidden', 'quota_exceeded'],
  audit: {
    action: 'webhook.create',
    target: ({ result }) => result?.id,
    details: ({ result }) =>
      result ? { url: auditUrl(result.url), accountId: result.accountId, events: result.events, headers: result.headers } : undefined,
  },
})

export const listWebhooks = defineOperation({
  id: 'listWebhooks',
  method: 'GET',
  path: '/webhooks',
  tag,
  summary: 'List webhook endpoints',
  description: "Every endpoint (never secrets or header values); an account key sees its account's only.",
  auth: manage,
  query: ListWebhooksQuery,
  success: { status: 200, description: 'The endpoints', schema: WebhookList, example: { data: [WEBHOOK_EXAMPLE] } },
})

export const getWebhook = defineOperation({
  id: 'getWebhook',
  method: 'GET',
  path: '/webhooks/{webhookId}',
  tag,
  summary: 'Read a webhook endpoint',
  description: 'With its health: last success, last failure, failures in a row, and why it is disabled.',
  auth: manage,
  params: WebhookParams,
  success: { status: 200, description: 'The endpoint', schema: Webhook, example: WEBHOOK_EXAMPLE },
})

export const updateWebhook = defineOperation({
  id: 'updateWebhook',
  method: 'PATCH',
  path: '/webhooks/{webhookId}',
  tag,
  summary: 'Change a webhook endpoint',
  description:
    '`headers` replaces all custom headers, except the stored ones named in `keepHeaders`, which keep their values without the caller sending them (header values are never returned). `enabled: true` re-enables a disabled endpoint (its pending deliveries resume, oldest first).',
  auth: manage,
  authNote: CONTENT_NOTE,
  params: WebhookParams,
  body: UpdateWebhookBody,
  maxBodyBytes: 32 * 1024,
  bodyExample: { enabled: true, events: null },
  success: { status: 200, description: 'The endpoint', schema: Webhook, example: WEBHOOK_EXAMPLE },
  errors: ['webhook_url_forbidden'],
  audit: {
    action: 'webhook.update',
    target: ({ params }) => params.webhookId,
    // which fields and which custom headers (by name) the change touched; never a value
    details: ({ body }) => ({
      fields: Object.keys(body),
      ...(body.headers ? { headers: Object.keys(body.headers) } : {}),
      ...(body.keepHeaders ? { keepHeaders: body.keepHeaders } : {}),
    }),
  },
})

export const deleteWebhook = defineOperation({
  id: 'deleteWebhook',
  method: 'DELETE',
  path: '/webhooks/{webhookId}',
  tag,
  summary: 'Delete a webhook endpoint',
  description: 'The endpoint, its pending deliveries and its delivery history go.',
  auth: manage,
  authNote: EVERY_ACCOUNT_NOTE,
  params: WebhookParams,
  success: { status: 204, description: 'Deleted' },
  audit: { action: 'webhook.delete', target: ({ params }) => params.webhookId },
})

export const rotateWebhookSecret = defineOperation({
  id: 'rotateWebhookSecret',
  method: 'POST',
  path: '/webhooks/{webhookId}/rotate-secret',
  tag,
  summary: 'Rotate the signing secret',
  description:
    'Issues a new secret (shown this once). For `overlapSeconds` (default one day) every delivery carries two signatures, one per secret, so receivers can switch without losing a delivery.',
  auth: manage,
  authNote: EVERY_ACCOUNT_NOTE,
  params: WebhookParams,
  body: RotateSecretBody,
  maxBodyBytes: 1024,
  bodyExample: { overlapSeconds: 86400 },
  success: {
    status: 200,
    description: 'The new secret',
    schema: RotatedSecret,
    example: { secret: SECRET_EXAMPLE, previousSecretExpiresAt: '2026-01-03T10:00:00.000Z' },
  },
  audit: { action: 'webhook.rotate_secret', target: ({ params }) => params.webhookId },
})

export const listWebhookDeliveries = defineOperation({
  id: 'listWebhookDeliveries',
  method: 'GET',
  path: '/webhooks/{webhookId}/deliveries',
  tag,
  summary: 'List deliveries',
  description: 'Newest first, each with every attempt (time, status code, duration, error, the first bytes of the answer).',
  auth: manage,
  params: WebhookParams,
  query: DeliveriesQuery,
  success: { status: 200, description: 'The deliveries', schema: DeliveryList, example: { data: [DELIVERY_EXAMPLE], nextBefore: null } },
})

export const replayWebhookDelivery = defineOperation({
  id: 'replayWebhookDelivery',
  method: 'POST',
  path: '/webhooks/{webhookId}/deliveries/{deliveryId}/replay',
  tag,
  summary: 'Replay a delivery',
  description:
    'Sends a delivered or failed delivery again: the same event and webhook-id, a fresh timestamp and signature, from the start of the retry schedule.',
  auth: manage,
  authNote: CONTENT_NOTE,
  params: DeliveryParams,
  success: {
    status: 202,
    description: 'The delivery, pending again',
    schema: Delivery,
    example: { ...DELIVERY_EXAMPLE, status: 'pending', nextAttemptAt: '2026-01-02T09:00:00.000Z' },
  },
  errors: ['conflict'],
  audit: { action: 'webhook.replay', target: ({ params }) => `${params.webhookId}/${params.deliveryId}` },
})

export const replayFailedWebhookDeliveries = defineOperation({
  id: 'replayFailedWebhookDeliveries',
  method: 'POST',
  path: '/webhooks/{webhookId}/replay',
  tag,
  summary: 'Replay failed deliveries',
  description: 'Every failed delivery created in [since, until] becomes pending again (same event ids, fresh signatures).',
  auth: manage,
  authNote: CONTENT_NOTE,
  params: WebhookParams,
  body: ReplayBody,
  maxBodyBytes: 1024,
  bodyExample: { since: '2026-01-02T00:00:00Z', until: '2026-01-02T12:00:00Z' },
  success: { status: 202, description: 'How many were replayed', schema: Replayed, example: { replayed: 17 } },
  audit: { action: 'webhook.replay_failed', target: ({ params }) => params.webhookId, details: ({ body }) => ({ ...body }) },
})

export const testWebhook = defineOperation({
  id: 'testWebhook',
  method: 'POST',
  path: '/webhooks/{webhookId}/test',
  tag,
  summary: 'Send a test event',
  description: 'Queues a `webhook.test` event for this endpoint only; its delivery shows what the receiver answered.',
  auth: manage,
  authNote: CONTENT_NOTE,
  params: WebhookParams,
  success: {
    status: 202,
    description: 'The test delivery',
    schema: Delivery,
    example: { ...DELIVERY_EXAMPLE, eventType: 'webhook.test', status: 'pending', attempts: 0, attemptLog: [] },
  },
  audit: { action: 'webhook.test', target: ({ params }) => params.webhookId },
})

export const webhookOperations = [
  createWebhook,
  listWebhooks,
  getWebhook,
  updateWebhook,
  deleteWebhook,
  rotateWebhookSecret,
  listWebhookDeliveries,
  replayWebhookDelivery,
  replayFailedWebhookDeliveries,
  testWebhook,
]
