import crypto from 'node:crypto'
import { getToken } from 'next-auth/jwt'
import { operatorFromClaims } from '@/lib/auth/session'
import { AppError } from '@/lib/errors'
import { trustFromHeaders } from '@/lib/http/request-trust'
import { allows, type Scope, scopesForRole } from '@/lib/keys/scopes'
import type { Runtime } from '@/lib/runtime'

/**
 * Who makes an API request: an operator (session cookie; gateway-wide, scopes from the role) or an
 * API key (gateway-wide when accountId is null, otherwise bound to that one account).
 */
export type Principal = {
  kind: 'operator' | 'api_key'
  /** `operator:<id>`, `api_key:<key id>` or `api_key:env` — what the audit log and the rate limiter key on */
  id: string
  /** for people: the operator's email, or the key's name and prefix */
  label: string
  accountId: string | null
  scopes: readonly Scope[]
}

/** Why a presented credential was refused (a missing one is not a failure: it is anonymous). */
export type AuthOutcome = { principal: Principal } | { principal: null; failed: boolean; message: string }

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

const KEY_REFUSALS = {
  unknown: 'The API key is not valid.',
  revoked: 'The API key has been revoked.',
  expired: 'The API key has expired.',
} as const

/** Same-origin check for cookie-authenticated mutations (CSRF defence beside SameSite=Lax). */
function assertSameOrigin(req: Request): void {
  const origin = req.headers.get('origin')
  // X-Forwarded-Host counts only behind a trusted proxy (server.ts decided and stamped it).
  const { host } = trustFromHeaders(req.headers)
  if (!origin || !host) throw new AppError('forbidden', 'Cross-origin request refused: the Origin header is missing.')
  let originHost: string
  try {
    originHost = new URL(origin).host
  } catch {
    throw new AppError('forbidden', 'Cross-origin request refused: the Origin header is invalid.')
  }
  if (originHost !== host) throw new AppError('forbidden', 'Cross-origin request refused.')
}

export async function authenticate(req: Request, rt: Runtime): Promise<AuthOutcome> {
  const authz = req.headers.get('authorization')
  if (authz !== null) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authz.trim())
    const presented = m?.[1]
    if (!presented) return { principal: null, failed: true, message: 'The Authorization header must be "Bearer <api key>".' }
    const check = rt.keys.authenticate(presented)
    if (!check.ok) return { principal: null, failed: true, message: KEY_REFUSALS[check.reason] }
    const { key } = check
    return {
      principal: {
        kind: 'api_key',
        id: `api_key:${key.id}`,
        label: `${key.name} (${key.prefix})`,
        accountId: key.accountId,
        scopes: key.scopes,
      },
    }
  }
  const token = await getToken({ req, secret: rt.env.authSecret, secureCookie: trustFromHeaders(req.headers).secure })
  const operator = operatorFromClaims(rt.db, token)
  if (!operator) return { principal: null, failed: false, message: 'Sign in or send an API key (Authorization: Bearer <key>).' }
  if (MUTATING.has(req.method)) assertSameOrigin(req)
  return {
    principal: {
      kind: 'operator',
      id: `operator:${operator.id}`,
      label: operator.email,
      accountId: null,
      scopes: scopesForRole(operator.role),
    },
  }
}

/** The scope check: 403 insufficient_scope naming the scope. */
export function assertScope(principal: Principal, scope: Scope): void {
  if (allows(principal.scopes, scope)) return
  const who = principal.kind === 'operator' ? 'Your role' : 'This API key'
  throw new AppError('insufficient_scope', `${who} lacks the "${scope}" scope this operation needs.`, {
    details: { required: scope, granted: principal.scopes },
  })
}

/**
 * An account key acts on its own account only: any other account id (path, query or body) answers
 * exactly as a missing account does, before anything else happens.
 */
export function assertAccount(principal: Principal, input: unknown): void {
  if (principal.accountId === null || typeof input !== 'object' || input === null || !('accountId' in input)) return
  const requested = input.accountId
  if (requested === undefined || requested === principal.accountId) return
  if (typeof requested === 'string') throw new AppError('not_found', `No account with id "${requested}".`)
  throw new AppError('forbidden', `This API key acts on account "${principal.accountId}" only.`)
}

/** A caller's own request id is kept for correlation only when it is short and plain (it reaches logs). */
export function requestIdOf(req: Request): string {
  const value = req.headers.get('x-request-id')
  return value && /^[\w.:-]{1,64}$/.test(value) ? value : crypto.randomUUID()
}
