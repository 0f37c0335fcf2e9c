import crypto from 'node:crypto'
import type { KeyService } from '@/lib/keys/service'

const digest = (s: string) => crypto.createHash('sha256').update(s).digest()

/**
 * Who may scrape /metrics: `Authorization: Bearer <METRICS_TOKEN>` when that is configured, or a
 * gateway-wide API key with the admin scope. Metrics name accounts' states and traffic, so they are
 * not public.
 */
export function metricsAccess(authorization: string | null, { token, keys }: { token?: string; keys: KeyService }): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')
  const presented = m?.[1]
  if (!presented) return false
  if (token !== undefined && crypto.timingSafeEqual(digest(presented), digest(token))) return true
  const check = keys.authenticate(presented)
  return check.ok && check.key.accountId === null && check.key.scopes.includes('admin')
}
