import crypto from 'node:crypto'
import { findAccount } from '@/lib/db/accounts'
import { type ApiKeyRow, findApiKeyById, findApiKeyByPrefix, insertApiKey, listApiKeys, revokeApiKey, touchApiKey } from '@/lib/db/api-keys'
import type { DB } from '@/lib/db/client'
import { AppError } from '@/lib/errors'
import { isScope, type Scope, SCOPES } from './scopes'
import { generateKey, hashKey, prefixOf, sameHash, sameSecret } from './token'

/** What the API shows of a key: never its hash, never the key itself. */
export type ApiKeyView = {
  id: string
  name: string
  prefix: string
  accountId: string | null
  scopes: Scope[]
  createdAt: string
  createdBy: string
  lastUsedAt: string | null
  expiresAt: string | null
  revokedAt: string | null
}

/** A key the gateway accepted for this request. `id` 'env' is GATEWAY_API_KEY. */
export type KeyPrincipal = { id: string; name: string; prefix: string; accountId: string | null; scopes: readonly Scope[] }

export type KeyCheck = { ok: true; key: KeyPrincipal } | { ok: false; reason: 'unknown' | 'revoked' | 'expired' }

export const ENV_KEY_ID = 'env'
/** last_used_at is written at most this often per key. */
const TOUCH_EVERY_MS = 60_000

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

const scopesOf = (row: ApiKeyRow): Scope[] => (Array.isArray(row.scopes) ? row.scopes.filter(isScope) : [])

export function toApiKeyView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    accountId: row.accountId,
    scopes: scopesOf(row),
    createdAt: new Date(row.createdAt).toISOString(),
    createdBy: row.createdBy,
    lastUsedAt: iso(row.lastUsedAt),
    expiresAt: iso(row.expiresAt),
    revokedAt: iso(row.revokedAt),
  }
}

/**
 * API keys: issue, look up, list, revoke. Every request reads its key row from the database (one
 * indexed lookup), so a revocation is seen by the very next request of every process; there is no
 * cache to invalidate.
 */
export class KeyService {
  constructor(private readonly deps: { db: DB; envKey?: string; now?: () => number }) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now()
  }

  issue(input: { name: string; accountId: string | null; scopes: readonly Scope[]; expiresAt?: Date | string; createdBy: string }): {
    key: string
    view: ApiKeyView
  } {
    const scopes = SCOPES.filter((s) => input.scopes.includes(s))
    if (scopes.length === 0) throw new AppError('validation_failed', 'Give the key at least one scope.')
    if (input.accountId !== null && scopes.includes('admin'))
      throw new AppError('validation_failed', 'The admin scope is only for gateway-wide keys (accountId null).', {
        details: [{ path: 'scopes', message: 'admin needs accountId null' }],
      })
    const expiresAt = input.expiresAt === undefined ? null : new Date(input.expiresAt).getTime()
    if (expiresAt !== null && !(expiresAt > this.now()))
      throw new AppError('validation_failed', 'expiresAt must be in the future.', {
        details: [{ path: 'expiresAt', message: 'must be in the future' }],
      })
    if (input.accountId !== null && !findAccount({ db: this.deps.db, id: input.accountId }))
      throw new AppError('not_found', `No account with id "${input.accountId}".`)
    // A prefix collision (36^10 possibilities) is astronomically rare; the unique index catches it.
    for (let attempt = 0; ; attempt++) {
      const { key, prefix, hash } = generateKey()
      if (findApiKeyByPrefix({ db: this.deps.db, prefix }) && attempt < 3) continue
      const row = insertApiKey({
        db: this.deps.db,
        row: {
          id: `key_${crypto.randomBytes(8).toString('hex')}`,
          name: input.name,
          prefix,
          hash,
          accountId: input.accountId,
          scopes,
          createdAt: this.now(),
          createdBy: input.createdBy,
          expiresAt,
        },
      })
      return { key, view: toApiKeyView(row) }
    }
  }

  /** Keys of one account, or every key when accountId is null. */
  list(accountId: string | null): ApiKeyView[] {
    return listApiKeys({ db: this.deps.db, accountId }).map(toApiKeyView)
  }

  get(id: string): ApiKeyView | undefined {
    const row = findApiKeyById({ db: this.deps.db, id })
    return row ? toApiKeyView(row) : undefined
  }

  /** Revokes at once; revoking a revoked key is a no-op that answers the same. */
  revoke(id: string, by: string): ApiKeyView {
    const row = revokeApiKey({ db: this.deps.db, id, by, at: this.now() })
    if (!row) throw new AppError('not_found', `No API key with id "${id}".`)
    return toApiKeyView(row)
  }

  /**
   * Checks a presented key: GATEWAY_API_KEY (a gateway-wide admin key), or one of ours found by its
   * prefix (unique index) and compared by hash in constant time.
   */
  authenticate(presented: string): KeyCheck {
    const { envKey } = this.deps
    if (envKey !== undefined && sameSecret(presented, envKey))
      return { ok: true, key: { id: ENV_KEY_ID, name: 'GATEWAY_API_KEY', prefix: 'env', accountId: null, scopes: ['admin'] } }
    const prefix = prefixOf(presented)
    const row = prefix === null ? undefined : findApiKeyByPrefix({ db: this.deps.db, prefix })
    if (!row || !sameHash(hashKey(presented), row.hash)) return { ok: false, reason: 'unknown' }
    const now = this.now()
    if (row.revokedAt !== null) return { ok: false, reason: 'revoked' }
    if (row.expiresAt !== null && row.expiresAt <= now) return { ok: false, reason: 'expired' }
    if (row.lastUsedAt === null || row.lastUsedAt < now - TOUCH_EVERY_MS)
      touchApiKey({ db: this.deps.db, id: row.id, at: now, everyMs: TOUCH_EVERY_MS })
    return { ok: true, key: { id: row.id, name: row.name, prefix: row.prefix, accountId: row.accountId, scopes: scopesOf(row) } }
  }
}
