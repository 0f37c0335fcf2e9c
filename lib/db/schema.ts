import { sql } from 'drizzle-orm'
import { blob, check, foreignKey, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
// relative, not '@/…': drizzle-kit reads this file outside Next's path aliases. The column enums come
// from lib/vocabulary (it imports nothing), never from a domain module; re-exported for lib/db's own files.
import { EVENT_TYPES, type EventType } from '../vocabulary/event-types'
import { DELIVERY_STATUSES, MESSAGE_DIRECTIONS, MESSAGE_STATUSES, OPERATOR_ROLES, SESSION_STATUSES } from '../vocabulary/statuses'

export * from '../vocabulary/statuses'

/** All timestamps are integer milliseconds since the epoch. */
const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`

export const operators = sqliteTable('operators', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  email: text('email').notNull().unique(),
  name: text('name').notNull().default(''),
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: OPERATOR_ROLES }).notNull().default('viewer'),
  disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
  /** bumped on password reset / disable so that existing JWT sessions stop working */
  sessionVersion: integer('session_version').notNull().default(1),
  createdAt: integer('created_at').notNull().default(now),
  updatedAt: integer('updated_at').notNull().default(now),
  lastLoginAt: integer('last_login_at'),
})

/**
 * One row per operator sign-in (the JWT carries its id as `sid`). Every request and Socket.IO
 * handshake checks it, so a session ends on the server — sign-out, expiry — whatever a browser or a
 * copied cookie still holds. `created_at` is the moment of sign-in; `expires_at` is fixed from it.
 */
export const operatorSessions = sqliteTable(
  'operator_sessions',
  {
    id: text('id').primaryKey(),
    operatorId: integer('operator_id')
      .notNull()
      .references(() => operators.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    endedAt: integer('ended_at'),
    endReason: text('end_reason'),
    ip: text('ip'),
  },
  (t) => [index('operator_sessions_operator_idx').on(t.operatorId), index('operator_sessions_expires_idx').on(t.expiresAt)],
)

export const accounts = sqliteTable('accounts', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  phone: text('phone'),
  jid: text('jid'),
  lid: text('lid'),
  pushName: text('push_name'),
  status: text('status', { enum: SESSION_STATUSES }).notNull().default('disconnected'),
  statusReason: text('status_reason'),
  statusAt: integer('status_at').notNull().default(now),
  reconnectAttempts: integer('reconnect_attempts').notNull().default(0),
  lastError: text('last_error'),
  createdAt: integer('created_at').notNull().default(now),
  updatedAt: integer('updated_at').notNull().default(now),
})

/** Every status change of every account, with its reason: the account's history. */
export const accountStatusLog = sqliteTable(
  'account_status_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    status: text('status', { enum: SESSION_STATUSES }).notNull(),
    reason: text('reason'),
    at: integer('at').notNull(),
  },
  (t) => [index('account_status_log_account_idx').on(t.accountId, t.at)],
)

/** Baileys creds of one account, encrypted (AES-256-GCM; `value` = nonce‖ciphertext‖tag). */
export const waCreds = sqliteTable('wa_creds', {
  accountId: text('account_id')
    .primaryKey()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  keyId: text('key_id').notNull(),
  value: blob('value', { mode: 'buffer' }).notNull(),
  updatedAt: integer('updated_at').notNull(),
})

/**
 * Packs of signal keys sealed together: a large write-once batch (the 812 pre-keys of a first login)
 * is sealed in packs of up to 128 values, one AES-GCM call each, instead of one call per value.
 * `value` = nonce‖ciphertext‖tag of [u32 manifest length][manifest JSON [[type, id, bytes]…]][values];
 * the AAD binds it to (account, pack id), the manifest binds each value to its (type, id).
 */
export const waKeyPacks = sqliteTable(
  'wa_key_packs',
  {
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    packId: integer('pack_id').notNull(),
    keyId: text('key_id').notNull(),
    value: blob('value', { mode: 'buffer' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.packId] })],
)

/**
 * Baileys signal keys (pre-keys, sessions, sender keys, app-state keys…), one row per (type, id).
 * A row holds its own sealed value (key_id + value, encrypted like wa_creds), or points at the pack
 * that holds it (pack_id) — never both.
 */
export const waKeys = sqliteTable(
  'wa_keys',
  {
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    id: text('id').notNull(),
    keyId: text('key_id'),
    value: blob('value', { mode: 'buffer' }),
    packId: integer('pack_id'),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.type, t.id] }),
    foreignKey({ columns: [t.accountId, t.packId], foreignColumns: [waKeyPacks.accountId, waKeyPacks.packId] }),
    check('wa_keys_own_value_or_pack', sql`("pack_id" IS NULL) = ("key_id" IS NOT NULL AND "value" IS NOT NULL)`),
  ],
)

/**
 * Inbound messages decrypted and not yet in the message log (lib/whatsapp/decrypt-journal.ts). A row
 * is written in the same transaction as the Signal key changes of its decrypt, before Baileys can
 * acknowledge the message, and deleted in the transaction that stores the message; rows left by a
 * crash are turned back into messages on the next connect. `stanza` is the whole `<message>` in
 * WhatsApp's binary encoding, `part` the index of the decrypted child, `plaintext` what it decrypted to.
 * `id` is a plain rowid: AUTOINCREMENT (a sqlite_sequence write per insert) made the insert ~1.5× as slow.
 * No index: the table only holds messages in flight (about one per account, more only after a crash),
 * so the delete by message id scans a page or two; maintaining an index on every insert and delete
 * cost about as much as the journal's other writes together (bench/journal.bench.ts, load average
 * 3–6 on 2 cores: +120–130 µs a message with it, +20–100 µs without).
 */
export const inboundJournal = sqliteTable('inbound_journal', {
  id: integer('id').primaryKey(),
  accountId: text('account_id')
    .notNull()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  waMessageId: text('wa_message_id').notNull(),
  stanza: blob('stanza', { mode: 'buffer' }).notNull(),
  part: integer('part').notNull(),
  plaintext: blob('plaintext', { mode: 'buffer' }).notNull(),
  createdAt: integer('created_at').notNull(),
})

/**
 * One row per conversation partner of an account: WhatsApp 7 addresses a 1:1 chat by phone JID or by
 * LID, so a chat is found by either and learns the other form when a message carries it.
 * `jid` is the form the gateway addresses it by (the phone JID when known).
 */
export const chats = sqliteTable(
  'chats',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    jid: text('jid').notNull(),
    /** digits, no + */
    phone: text('phone'),
    /** user@lid */
    lid: text('lid'),
    name: text('name'),
    lastMessageId: integer('last_message_id'),
    lastMessageAt: integer('last_message_at'),
    /** incoming messages since the account last wrote in this chat */
    unreadCount: integer('unread_count').notNull().default(0),
    createdAt: integer('created_at').notNull().default(now),
    updatedAt: integer('updated_at').notNull().default(now),
  },
  (t) => [
    uniqueIndex('chats_account_phone_idx').on(t.accountId, t.phone),
    uniqueIndex('chats_account_lid_idx').on(t.accountId, t.lid),
    index('chats_account_last_idx').on(t.accountId, t.lastMessageAt),
  ],
)

/**
 * The message log. One row per (account, chat, WhatsApp id, direction): Baileys replays offline
 * messages as 'append' upserts, which must not duplicate. `proto` keeps the message content Baileys
 * asks back through getMessage when a recipient retries decryption. An outgoing message exists from
 * the moment it is accepted (`queued`, with the WhatsApp id chosen up front so a re-send after a crash
 * carries the same id); `request` keeps what to send until it is sent.
 */
export const messages = sqliteTable(
  'messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** the id the API shows (msg_…) */
    publicId: text('public_id'),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    chatId: integer('chat_id').references(() => chats.id, { onDelete: 'cascade' }),
    /** the JID the message itself used (phone or LID form) */
    chatJid: text('chat_jid').notNull(),
    waMessageId: text('wa_message_id').notNull(),
    direction: text('direction', { enum: MESSAGE_DIRECTIONS }).notNull(),
    senderJid: text('sender_jid'),
    type: text('type').notNull(),
    text: text('text'),
    /** the kind's fields as the API shows them (JSON) */
    content: text('content', { mode: 'json' }),
    quotedWaId: text('quoted_wa_id'),
    /** on a target message: the reactions it has, [{from, emoji, at}] (JSON) */
    reactions: text('reactions', { mode: 'json' }),
    status: text('status', { enum: MESSAGE_STATUSES }).notNull(),
    statusReason: text('status_reason'),
    /** WhatsApp's error code when it refused the message (e.g. 463) */
    errorCode: integer('error_code'),
    proto: blob('proto', { mode: 'buffer' }),
    /** outgoing, until sent: the validated request (JSON) */
    request: text('request', { mode: 'json' }),
    timestamp: integer('timestamp').notNull(),
    sentAt: integer('sent_at'),
    deliveredAt: integer('delivered_at'),
    readAt: integer('read_at'),
    editedAt: integer('edited_at'),
    deletedAt: integer('deleted_at'),
    createdAt: integer('created_at').notNull().default(now),
    updatedAt: integer('updated_at').notNull().default(now),
  },
  (t) => [
    uniqueIndex('messages_key_idx').on(t.accountId, t.chatJid, t.waMessageId, t.direction),
    uniqueIndex('messages_public_id_idx').on(t.publicId),
    index('messages_account_time_idx').on(t.accountId, t.timestamp),
    index('messages_chat_time_idx').on(t.chatId, t.timestamp),
    index('messages_account_wa_idx').on(t.accountId, t.waMessageId),
    index('messages_account_status_idx').on(t.accountId, t.status),
  ],
)

/**
 * `Idempotency-Key` of a send: the first request with a key creates the message, later ones within
 * 24 hours get that message back. The unique key makes two simultaneous requests agree on one row.
 */
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    /** SHA-256 of the request body: the same key with another body is refused */
    requestHash: text('request_hash').notNull(),
    messageId: integer('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
)

/** Per-account send queue settings and state: pacing overrides, restriction pauses. */
export const sendQueues = sqliteTable('send_queues', {
  accountId: text('account_id')
    .primaryKey()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  /** null: the global setting */
  minGapMs: integer('min_gap_ms'),
  perMinute: integer('per_minute'),
  /** consecutive sends WhatsApp refused as restricted (463) */
  restrictions: integer('restrictions').notNull().default(0),
  /** when WhatsApp last refused a send as restricted: only a delivery of a message sent after it ends the streak */
  restrictedAt: integer('restricted_at'),
  pausedUntil: integer('paused_until'),
  pauseReason: text('pause_reason'),
  updatedAt: integer('updated_at').notNull().default(now),
})

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull().default(now),
    actor: text('actor').notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    target: text('target'),
    ip: text('ip'),
    requestId: text('request_id'),
    details: text('details', { mode: 'json' }),
  },
  (t) => [
    index('audit_log_at_idx').on(t.at),
    index('audit_log_actor_idx').on(t.actorId, t.id),
    index('audit_log_action_idx').on(t.action, t.id),
  ],
)

/**
 * API keys. Only the public prefix (`wag_` + 10 characters, unique, the lookup column) and the
 * SHA-256 of the whole key are stored, never the key. `account_id` null = a gateway-wide key;
 * `scopes` is a JSON array of scope names.
 */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    hash: text('hash').notNull(),
    accountId: text('account_id').references(() => accounts.id, { onDelete: 'cascade' }),
    scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
    createdAt: integer('created_at').notNull().default(now),
    createdBy: text('created_by').notNull(),
    lastUsedAt: integer('last_used_at'),
    expiresAt: integer('expires_at'),
    revokedAt: integer('revoked_at'),
    revokedBy: text('revoked_by'),
  },
  (t) => [uniqueIndex('api_keys_prefix_idx').on(t.prefix), index('api_keys_account_idx').on(t.accountId)],
)

export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
})

/**
 * A status that arrived before the message it is about (a receipt racing the upsert of our own
 * message, or a replay that brings receipts first). The log applies it when the row appears, so a
 * status is never lost for arriving early. Old rows are purged with the retention run.
 */
export const earlyStatuses = sqliteTable(
  'early_statuses',
  {
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    waMessageId: text('wa_message_id').notNull(),
    status: text('status', { enum: MESSAGE_STATUSES }).notNull(),
    errorCode: integer('error_code'),
    reason: text('reason'),
    at: integer('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.waMessageId] }), index('early_statuses_at_idx').on(t.at)],
)

export { EVENT_TYPES, type EventType }

/**
 * The transactional outbox: every domain event webhooks and the dashboard may need, written in the
 * same transaction as the change it reports. `id` is a ULID (time-ordered, the Standard Webhooks
 * `webhook-id`); `payload` is the JSON envelope exactly as delivered, so every retry and replay
 * sends the same bytes. `dispatched_at` is null until the dispatcher has fanned the event out to the
 * endpoints (and the bus); after a crash the dispatcher picks up where it stopped.
 */
export const events = sqliteTable(
  'events',
  {
    id: text('id').primaryKey(),
    type: text('type', { enum: EVENT_TYPES }).notNull(),
    accountId: text('account_id'),
    /** the message the event is about; set null when the message is deleted (the event keeps its payload) */
    messageId: integer('message_id').references(() => messages.id, { onDelete: 'set null' }),
    payload: text('payload').notNull(),
    createdAt: integer('created_at').notNull(),
    dispatchedAt: integer('dispatched_at'),
  },
  (t) => [
    index('events_undispatched_idx')
      .on(t.id)
      .where(sql`${t.dispatchedAt} is null`),
    index('events_created_idx').on(t.createdAt),
    index('events_account_idx').on(t.accountId, t.id),
    index('events_message_idx').on(t.messageId),
  ],
)

/**
 * Webhook endpoints, gateway-wide (account_id null) or for one account. `secrets` is sealed with the
 * keyring (AAD bound to the endpoint id): the signing secret, the previous one during a rotation, and
 * the custom headers (they may carry credentials of their own).
 */
export const webhookEndpoints = sqliteTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').references(() => accounts.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    description: text('description').notNull().default(''),
    /** JSON array of event types; null = every type */
    events: text('events', { mode: 'json' }).$type<string[] | null>(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    /** deliveries one at a time in event order (default); false = in parallel, order not kept */
    ordered: integer('ordered', { mode: 'boolean' }).notNull().default(true),
    secretsKeyId: text('secrets_key_id').notNull(),
    secrets: blob('secrets', { mode: 'buffer' }).notNull(),
    /** header names only (values are sealed in `secrets`) */
    headerNames: text('header_names', { mode: 'json' }).$type<string[]>().notNull(),
    previousSecretUntil: integer('previous_secret_until'),
    disabledReason: text('disabled_reason'),
    disabledAt: integer('disabled_at'),
    /** first failure since the last success: the failing window starts here */
    failingSince: integer('failing_since'),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    lastSuccessAt: integer('last_success_at'),
    lastFailureAt: integer('last_failure_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('webhook_endpoints_account_idx').on(t.accountId)],
)

/**
 * One event for one endpoint. A worker claims a due delivery by setting its lease with a
 * conditional UPDATE; a crashed worker's lease runs out and the delivery is claimed again.
 * `cycle_attempts` counts the attempts since creation or the last replay (the retry schedule's
 * position); `attempts` counts them all.
 */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: text('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    eventType: text('event_type').notNull(),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    cycleAttempts: integer('cycle_attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    leaseUntil: integer('lease_until'),
    leaseOwner: text('lease_owner'),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    lastAttemptAt: integer('last_attempt_at'),
    deliveredAt: integer('delivered_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_endpoint_event_idx').on(t.endpointId, t.eventId),
    index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt),
    index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.status, t.id),
    index('webhook_deliveries_endpoint_next_idx').on(t.endpointId, t.status, t.nextAttemptAt),
    index('webhook_deliveries_event_idx').on(t.eventId),
  ],
)

/** Every attempt of a delivery: when, the answer's status (or the error), how long, the first bytes of the answer. */
export const webhookAttempts = sqliteTable(
  'webhook_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    deliveryId: integer('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    at: integer('at').notNull(),
    statusCode: integer('status_code'),
    durationMs: integer('duration_ms').notNull(),
    error: text('error'),
    response: text('response'),
  },
  (t) => [index('webhook_attempts_delivery_idx').on(t.deliveryId, t.id), index('webhook_attempts_at_idx').on(t.at)],
)

/**
 * Files uploaded through `POST /accounts/{id}/media`, usable in sends of the same account until they
 * expire. The bytes live under DATA_DIR/media/uploads/<id>.
 */
export const mediaUploads = sqliteTable(
  'media_uploads',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    mimeType: text('mime_type').notNull(),
    size: integer('size').notNull(),
    sha256: text('sha256').notNull(),
    fileName: text('file_name'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('media_uploads_expires_idx').on(t.expiresAt), index('media_uploads_account_idx').on(t.accountId)],
)

/**
 * The bytes of a message's media on disk: what a send prepared (kept after sending) and what was
 * downloaded from WhatsApp. Entries of sent or received messages are a cache with a size cap
 * (least recently used first out); they can always be fetched from WhatsApp again.
 */
export const mediaFiles = sqliteTable(
  'media_files',
  {
    messageId: integer('message_id')
      .primaryKey()
      .references(() => messages.id, { onDelete: 'cascade' }),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** relative to DATA_DIR/media */
    path: text('path').notNull(),
    mimeType: text('mime_type').notNull(),
    size: integer('size').notNull(),
    sha256: text('sha256').notNull(),
    fileName: text('file_name'),
    lastUsedAt: integer('last_used_at').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('media_files_last_used_idx').on(t.lastUsedAt)],
)
