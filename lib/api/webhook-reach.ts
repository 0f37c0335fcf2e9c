import { AppError } from '@/lib/errors'
import { allows, type Scope } from '@/lib/keys/scopes'
import { carriesMessageContent } from '@/lib/webhooks/rules'
import type { Principal } from './principal'

/** What decides who may act on a webhook endpoint beyond `webhooks:manage`: whose events, which ones. */
export type EndpointReach = { accountId: string | null; events: readonly string[] | null }

/**
 * The scopes, beside `webhooks:manage`, that an operation on an endpoint needs. `admin` for an
 * endpoint of every account (it receives what every account does); `messages:read` when the
 * operation can make message content flow to the endpoint's URL (create, change, test, replay) and
 * its events carry it, since otherwise a key refused by GET …/messages could read every message
 * through its own receiver. Deleting or rotating a secret sends nothing, so content is not asked.
 */
export function scopesToReach(target: EndpointReach, opts: { sendsContent: boolean }): Scope[] {
  const needs: Scope[] = []
  if (target.accountId === null) needs.push('admin')
  if (opts.sendsContent && carriesMessageContent(target.events)) needs.push('messages:read')
  return needs
}

/** 403 insufficient_scope naming the first missing scope, with why this endpoint needs it. */
export function assertMayReach(principal: Principal, target: EndpointReach, opts: { sendsContent: boolean }): void {
  for (const scope of scopesToReach(target, opts)) {
    if (allows(principal.scopes, scope)) continue
    const who = principal.kind === 'operator' ? 'Your role' : 'This API key'
    const why =
      scope === 'admin'
        ? "an endpoint of every account (accountId null) receives every account's events"
        : `the endpoint's events (${target.events === null ? 'every event' : target.events.join(', ')}) carry message content`
    throw new AppError('insufficient_scope', `${who} lacks the "${scope}" scope: ${why}.`, {
      details: { required: scope, granted: principal.scopes },
    })
  }
}

/**
 * The stored endpoint `webhookId` as the caller may see it (404 otherwise), checked as
 * assertMayReach checks it; returns what it receives, for a change that judges its new events too.
 */
export function assertMayReachStored(
  ctx: { principal: Principal; rt: { webhooks: { reach(scope: string | null, id: string): EndpointReach } } },
  webhookId: string,
  opts: { sendsContent: boolean },
): EndpointReach {
  const target = ctx.rt.webhooks.reach(ctx.principal.accountId, webhookId)
  assertMayReach(ctx.principal, target, opts)
  return target
}
