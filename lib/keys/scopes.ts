import type { OperatorRole } from '@/lib/vocabulary/statuses'

/**
 * What an API key (or an operator session) may do. `admin` grants every scope and only exists on
 * gateway-wide keys; the others are independent of each other.
 */
export const SCOPES = ['accounts:read', 'accounts:manage', 'messages:send', 'messages:read', 'webhooks:manage', 'admin'] as const
export type Scope = (typeof SCOPES)[number]

export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  'accounts:read': 'read accounts, their status and the API keys of the account',
  'accounts:manage': 'connect, disconnect, log out, reset, rename; read the QR code; request a pairing code',
  'messages:send': 'send messages and check numbers on WhatsApp',
  'messages:read': 'read messages and chats; with webhooks:manage, webhook endpoints that receive messages',
  'webhooks:manage':
    'create, change and delete webhook endpoints (those receiving messages also need messages:read; those of every account, admin)',
  admin: 'everything, including creating and deleting accounts, managing API keys and reading the audit log (gateway-wide keys only)',
}

export const isScope = (v: string): v is Scope => (SCOPES as readonly string[]).includes(v)

/** Operators on the dashboard: viewers hold the read scopes, admins everything. */
const ROLE_SCOPES: Record<OperatorRole, readonly Scope[]> = {
  viewer: ['accounts:read', 'messages:read'],
  admin: SCOPES,
}

export function scopesForRole(role: OperatorRole): readonly Scope[] {
  return ROLE_SCOPES[role]
}

/**
 * Whether an operator's role holds a scope: the dashboard shows an operator what the API would show
 * their session (a viewer does not see webhook endpoints, which need `webhooks:manage`).
 */
export function roleAllows(role: OperatorRole, needed: Scope): boolean {
  return allows(ROLE_SCOPES[role], needed)
}

/** true when the granted scopes allow `needed` (`admin` allows everything). */
export function allows(granted: readonly Scope[], needed: Scope): boolean {
  return granted.includes('admin') || granted.includes(needed)
}
