import { sql } from 'drizzle-orm'
import { blob, check, foreignKey, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

/** All timestamps are integer milliseconds since the epoch. */
const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`

export const OPERATOR_ROLES = ['admin', 'viewer'] as const
export type OperatorRole = (typeof OPERATOR_ROLES)[number]

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

export const SESSION_STATUSES = [
  'disconnected',
  'connecting',
  'qr_ready',
  'pairing_code_ready',
  'connected',
  'reconnecting',
  'logged_out',
  'failed',
] as const
export type SessionStatus = (typeof SESSION_STATUSES)[number]

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

export const MESSAGE_DIRECTIONS = ['in', 'out'] as const
export const MESSAGE_STATUSES = ['pending', 'sent', 'delivered', 'read', 'played', 'failed', 'received'] as const
export type MessageStatus = (typeof MESSAGE_STATUSES)[number]

/**
 * Messages seen by an account. One row per (account, chat, WhatsApp id, direction): Baileys replays
 * offline messages as 'append' upserts, which must not duplicate. `proto` keeps the message content
 * Baileys asks back through getMessage when a recipient retries decryption.
 */
export const messages = sqliteTable(
  'messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    chatJid: text('chat_jid').notNull(),
    waMessageId: text('wa_message_id').notNull(),
    direction: text('direction', { enum: MESSAGE_DIRECTIONS }).notNull(),
    senderJid: text('sender_jid'),
    type: text('type').notNull(),
    text: text('text'),
    status: text('status', { enum: MESSAGE_STATUSES }).notNull(),
    proto: blob('proto', { mode: 'buffer' }),
    timestamp: integer('timestamp').notNull(),
    createdAt: integer('created_at').notNull().default(now),
    updatedAt: integer('updated_at').notNull().default(now),
  },
  (t) => [
    uniqueIndex('messages_key_idx').on(t.accountId, t.chatJid, t.waMessageId, t.direction),
    index('messages_account_time_idx').on(t.accountId, t.timestamp),
  ],
)

/**
 * Who did what. `actor` is a readable label (an operator's email, an API key's name and prefix);
 * `actor_id` identifies it for filtering (`operator:<id>`, `api_key:<id>`, `api_key:env`), and `ip`
 * and `request_id` tie the row to the request that made the change.
 */
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
