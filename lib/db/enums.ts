/**
 * The closed lists the database stores as text, in a module with no imports: the tables
 * (./schema.ts) check against them, and the API's schemas, which the dashboard's browser client
 * loads, read the same lists without pulling Drizzle into the page.
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
