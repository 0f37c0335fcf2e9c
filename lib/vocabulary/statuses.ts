/**
 * The closed lists of states the database stores in its columns and the API, the domain modules and
 * the browser speak: one definition, in lib/vocabulary, which imports nothing, so that lib/db and
 * the modules above it (and client components) read the same list without lib/db importing a domain
 * module (docs/architecture.md).
 */

export const OPERATOR_ROLES = ['admin', 'viewer'] as const
export type OperatorRole = (typeof OPERATOR_ROLES)[number]

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

export const MESSAGE_DIRECTIONS = ['in', 'out'] as const
export type MessageDirection = (typeof MESSAGE_DIRECTIONS)[number]
/**
 * An outgoing message moves forward only: queued → pending → sent → delivered → read → played;
 * `failed` ends it (from any state before delivery), `cancelled` ends a queued one. Incoming messages
 * are `received`.
 */
export const MESSAGE_STATUSES = ['queued', 'pending', 'sent', 'delivered', 'read', 'played', 'failed', 'cancelled', 'received'] as const
export type MessageStatus = (typeof MESSAGE_STATUSES)[number]

/** Where a webhook delivery stands: owed (due now or later), delivered, or given up. */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]
