import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathItemObject, type ZodOpenApiResponsesObject } from 'zod-openapi'
import { ERROR_STATUS, type ErrorCode } from '@/lib/errors'
import { SCOPE_DESCRIPTIONS, SCOPES } from '@/lib/keys/scopes'
import { DEFAULT_MAX_BODY_BYTES, type Operation } from './operation'
import { OPERATIONS } from './operations'
import { ErrorEnvelope } from './schemas/common'
import { EVENT_SCHEMAS } from './schemas/events'

/** A typical message per code, for the documented examples. */
const EXAMPLE_MESSAGES: Record<ErrorCode, string> = {
  bad_request: 'The URL path is not valid percent-encoding.',
  validation_failed: 'Invalid body: name must not be empty',
  unauthorized: 'The API key is not valid.',
  invalid_credentials: 'Wrong email or password.',
  forbidden: 'Cross-origin request refused.',
  insufficient_scope: 'This API key lacks the "accounts:manage" scope this operation needs.',
  not_found: 'No account with id "support".',
  no_qr: 'No QR code right now: connect the account to get one.',
  method_not_allowed: 'PUT is not allowed here; this path accepts GET, HEAD, OPTIONS.',
  conflict: 'The account is already linked: connect it, or log out first to link another phone.',
  already_exists: 'An account with id "support" already exists.',
  already_connected: 'The account is already connected.',
  not_connected: 'The account is not connected.',
  setup_closed: 'Setup is closed.',
  payload_too_large: 'The body is larger than this route accepts (65536 bytes).',
  unsupported_media_type: 'Send the body as JSON with Content-Type: application/json.',
  rate_limited: 'Too many requests for this API key: at most 600 per 60 s. Retry in 12 s.',
  too_many_attempts: 'Too many attempts.',
  quota_exceeded: 'Account "support" has 25 webhook endpoints, the most it may have (WEBHOOK_ENDPOINTS_PER_ACCOUNT=25).',
  auth_state_corrupt: 'The stored credentials cannot be read.',
  internal: 'Something went wrong on our side. Quote request id 4b0e9d6c-… when reporting it.',
  unavailable: 'The gateway is shutting down.',
  edit_window_expired: 'The message can no longer be edited: WhatsApp allows edits for 15 minutes after sending.',
  delete_window_expired: 'The message can no longer be deleted for everyone.',
  message_not_editable: 'Only text messages sent by this account can be edited.',
  idempotency_mismatch: 'This Idempotency-Key was used with a different request body.',
  not_cancellable: 'Only a queued message can be cancelled.',
  media_url_forbidden: 'The URL is not allowed: 10.0.0.5 is a private address.',
  media_unverifiable:
    'The media of this message is not fetched: the sender declared no media key or no encrypted and plain SHA-256 to check it against.',
  webhook_url_forbidden: 'The URL is not allowed: internal.example resolves to an address that is not allowed.',
  url_forbidden: 'The URL is not allowed: only https URLs are fetched.',
  upstream_failed: 'The request failed: ECONNREFUSED',
  cursor_expired: 'Events older than 30 days are deleted (MESSAGE_RETENTION_DAYS), so the stream cannot resume from 01J…',
  upstream_timeout: 'No complete answer within 15000 ms',
  media_type_mismatch: 'The bytes are a PDF document (application/pdf), not an image: image accepts image/jpeg, image/png.',
  media_expired: 'Upload med_… expired; upload the file again.',
  media_gone: 'WhatsApp no longer has this media and the sender did not upload it again.',
}

const hasField = (schema: unknown, field: string) =>
  typeof schema === 'object' &&
  schema !== null &&
  'shape' in schema &&
  typeof schema.shape === 'object' &&
  schema.shape !== null &&
  field in schema.shape

/** The error codes an operation can answer with: its own, plus those the route wrapper adds. */
export function errorCodesOf(op: Operation): ErrorCode[] {
  const codes = new Set<ErrorCode>(op.errors ?? [])
  // Any request can be rate limited or hit a bug; any URL can be malformed (bad percent-encoding).
  codes.add('rate_limited').add('internal').add('bad_request')
  if (op.auth !== 'public') {
    codes.add('unauthorized').add('insufficient_scope')
    if (op.method !== 'GET') codes.add('forbidden')
  }
  if (op.params || op.query || op.body || op.headers || op.rawBody) codes.add('validation_failed')
  if (op.body || op.rawBody) codes.add('payload_too_large').add('unsupported_media_type')
  if (op.auth !== 'public' && [op.params, op.query, op.body].some((s) => hasField(s, 'accountId'))) codes.add('not_found')
  if (op.params) codes.add('not_found')
  return [...codes].sort((a, b) => ERROR_STATUS[a] - ERROR_STATUS[b] || a.localeCompare(b))
}

const RATE_HEADERS = {
  'RateLimit-Limit': { description: 'requests allowed in the window', schema: { type: 'integer' as const } },
  'RateLimit-Remaining': { description: 'requests left in the window', schema: { type: 'integer' as const } },
  'RateLimit-Reset': { description: 'seconds until the window resets', schema: { type: 'integer' as const } },
  'X-Request-Id': { description: 'quote it when reporting a problem', schema: { type: 'string' as const } },
}

function responsesOf(op: Operation): ZodOpenApiResponsesObject {
  const { success } = op
  const responses: ZodOpenApiResponsesObject = {
    [String(success.status) as `2${string}`]: {
      description: success.description,
      headers: RATE_HEADERS,
      ...(success.schema
        ? {
            content: {
              'application/json': { schema: success.schema, ...(success.example === undefined ? {} : { example: success.example }) },
            },
          }
        : success.binary
          ? { content: { [success.binary.contentType]: { schema: { type: 'string', format: 'binary' } } } }
          : {}),
    },
  }
  for (const other of op.alsoAnswers ?? [])
    responses[String(other.status) as `5${string}`] = {
      description: other.description,
      content: success.schema ? { 'application/json': { schema: success.schema } } : undefined,
    }
  const byStatus = new Map<number, ErrorCode[]>()
  for (const code of errorCodesOf(op)) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code])
  for (const [status, codes] of byStatus) {
    if (op.alsoAnswers?.some((a) => a.status === status)) continue
    responses[String(status) as `4${string}`] = {
      description: codes.map((c) => `\`${c}\``).join(', '),
      headers:
        status === 429 ? { ...RATE_HEADERS, 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } } : undefined,
      content: {
        'application/json': {
          schema: ErrorEnvelope,
          examples: Object.fromEntries(codes.map((c) => [c, { summary: c, value: { error: { code: c, message: EXAMPLE_MESSAGES[c] } } }])),
        },
      },
    }
  }
  return responses
}

function operationObject(op: Operation): ZodOpenApiOperationObject {
  const scope = op.auth === 'public' ? null : op.auth.scope
  const access = scope
    ? `**Scope:** \`${scope}\` (or \`admin\`).${op.path.includes('{accountId}') ? ' An account key may name only its own account.' : ''}`
    : '**Public:** no authentication.'
  return {
    operationId: op.id,
    summary: op.summary,
    description: [op.description, access, op.authNote].filter(Boolean).join('\n\n'),
    tags: [op.tag],
    security: scope ? [{ bearerAuth: [scope] }, { operatorSession: [scope] }] : [],
    'x-required-scope': scope,
    ...(op.noHead ? { 'x-no-head': true } : {}),
    ...(op.body ? { 'x-max-body-bytes': op.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES } : {}),
    requestParams: {
      ...(op.params ? { path: op.params as never } : {}),
      ...(op.query ? { query: op.query as never } : {}),
      ...(op.headers ? { header: op.headers } : {}),
    },
    ...(op.rawBody
      ? {
          requestBody: {
            required: true,
            description: op.rawBody.description,
            content: { [op.rawBody.contentType]: { schema: op.rawBody.schema } },
          },
        }
      : {}),
    ...(op.body
      ? {
          requestBody: {
            required: true,
            description: `JSON, at most ${op.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES} bytes.`,
            content: { 'application/json': { schema: op.body, ...(op.bodyExample === undefined ? {} : { example: op.bodyExample }) } },
          },
        }
      : {}),
    responses: responsesOf(op),
  }
}

const DESCRIPTION = `Send and read WhatsApp messages and manage accounts of this gateway.

Authenticate with \`Authorization: Bearer <api key>\`. A key is gateway-wide or bound to one account, and carries scopes:
${SCOPES.map((s) => `- \`${s}\`: ${SCOPE_DESCRIPTIONS[s]}`).join('\n')}

An account key that names another account (in the path, the query or the body) gets 404, exactly as for a missing account. A missing scope answers 403 \`insufficient_scope\`.

Every error is \`{"error": {"code", "message", "details?"}}\`; branch on \`code\`. Unknown paths answer 404 \`not_found\`, unsupported methods 405 \`method_not_allowed\` with \`Allow\`.

Rate limits: per key (or operator) and per client address, per minute; failed authentications per address. Every answer carries \`RateLimit-Limit\`, \`RateLimit-Remaining\` and \`RateLimit-Reset\`; a 429 also \`Retry-After\`.`

const SIGNATURE_HEADERS = {
  'webhook-id': {
    required: true,
    description: 'the event id (ULID): the same on every retry and replay; deduplicate on it',
    schema: { type: 'string' as const },
  },
  'webhook-timestamp': {
    required: true,
    description: 'seconds since the epoch of this attempt; refuse ones more than 5 minutes off',
    schema: { type: 'string' as const },
  },
  'webhook-signature': {
    required: true,
    description:
      'space-separated `v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`, one per active secret (two during a rotation)',
    schema: { type: 'string' as const },
  },
}

/** The events the gateway POSTs to webhook endpoints (Standard Webhooks), one entry per type. */
function webhooksSection(): Record<string, ZodOpenApiPathItemObject> {
  return Object.fromEntries(
    Object.entries(EVENT_SCHEMAS).map(([type, schema]) => [
      type,
      {
        post: {
          operationId: `event_${type.replace('.', '_')}`,
          summary: type,
          tags: ['Webhooks'],
          description: `${schema.description ?? ''} Signed per Standard Webhooks; see docs/webhooks.md.`,
          parameters: Object.entries(SIGNATURE_HEADERS).map(([name, h]) => ({ name, in: 'header' as const, ...h })),
          requestBody: { required: true, content: { 'application/json': { schema } } },
          responses: {
            '200': {
              description:
                'Any 2xx: delivered. 410: the endpoint is disabled. 408, 429 (Retry-After honoured) and 5xx: retried; other 4xx: failed.',
            },
          },
        },
      },
    ]),
  )
}

type OpenAPIObject = ReturnType<typeof createDocument>
const cache = new Map<string, OpenAPIObject>()

/** The OpenAPI 3.1 document, generated from the operations' zod schemas (built once per version). */
export function openApiDocument(version: string, operations: readonly Operation[] = OPERATIONS): OpenAPIObject {
  const hit = operations === OPERATIONS ? cache.get(version) : undefined
  if (hit) return hit
  const paths: Record<string, Record<string, ZodOpenApiOperationObject>> = {}
  for (const op of operations) (paths[op.path] ??= {})[op.method.toLowerCase()] = operationObject(op)
  const doc = createDocument({
    openapi: '3.1.0',
    info: { title: 'WA Gateway API', version, description: DESCRIPTION },
    servers: [{ url: '/api/v1' }],
    tags: [
      { name: 'Accounts', description: 'WhatsApp accounts and linking' },
      { name: 'API keys', description: 'Keys for programs' },
      { name: 'Webhooks', description: 'Endpoints that receive events, their deliveries and replay' },
      { name: 'Media', description: 'Uploads to send, and the media of sent and received messages' },
      { name: 'System', description: 'Health, this document, the audit log' },
    ],
    paths,
    webhooks: webhooksSection(),
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'wag_<id>_<secret>', description: 'An API key.' },
        operatorSession: {
          type: 'apiKey',
          in: 'cookie',
          name: 'authjs.session-token',
          description: 'A dashboard sign-in (viewer: read scopes; admin: all). Mutations also need a same-origin Origin header.',
        },
      },
    },
  })
  if (operations === OPERATIONS) cache.set(version, doc)
  return doc
}
