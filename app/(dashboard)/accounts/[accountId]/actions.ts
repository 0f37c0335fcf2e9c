'use server'

import { headers } from 'next/headers'
import { z } from 'zod'
import type { ActionResult } from '@/components/messages/actions'
import { SendMessageBody } from '@/lib/api/schemas/message-send'
import { requireOperatorAction } from '@/lib/auth/session'
import { isAppError } from '@/lib/errors'
import { trustFromHeaders } from '@/lib/http/request-trust'
import type { ChatView, MessageView, Page } from '@/lib/messages/types'
import type { OperatorView } from '@/lib/operators/operators'
import { getRuntime } from '@/lib/runtime'
import type { StatusChange } from '@/lib/sessions/manager'

const AccountId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/)
const Cursor = z.string().max(200).optional()
const ListInput = z.strictObject({ chat: z.string().max(128).optional(), q: z.string().max(200).optional(), cursor: Cursor })

/**
 * Runs one read or act for the dashboard as the signed-in operator: viewers read, only admins act.
 * Rules live in the message service; this only checks who asks and turns AppErrors into text.
 */
async function run<T>(role: 'viewer' | 'admin', fn: (me: OperatorView) => T | Promise<T>): Promise<ActionResult<T>> {
  try {
    const me = await requireOperatorAction(role)
    return { ok: true, data: await fn(me) }
  } catch (err) {
    if (isAppError(err)) return { ok: false, error: err.message }
    if (err instanceof z.ZodError) return { ok: false, error: err.issues[0]?.message ?? 'Invalid input.' }
    getRuntime().logger.error({ err }, 'dashboard message action failed')
    return { ok: false, error: 'Something went wrong; nothing was changed.' }
  }
}

export async function listChatsAction(accountId: string, cursor?: string): Promise<ActionResult<Page<ChatView>>> {
  return run('viewer', () => getRuntime().messages.listChats(AccountId.parse(accountId), { cursor: Cursor.parse(cursor), limit: 50 }))
}

/** One chat's messages (newest first), or a search across the account's messages when `q` is given. */
export async function listMessagesAction(
  accountId: string,
  query: { chat?: string; q?: string; cursor?: string },
): Promise<ActionResult<Page<MessageView>>> {
  return run('viewer', () => {
    const { chat, q, cursor } = ListInput.parse(query)
    return getRuntime().messages.list(AccountId.parse(accountId), { chat, q, cursor, limit: 50 })
  })
}

export async function statusHistoryAction(accountId: string, before?: number): Promise<ActionResult<StatusChange[]>> {
  return run('viewer', () =>
    getRuntime().sessions.history(AccountId.parse(accountId), { before: z.number().int().positive().optional().parse(before), limit: 50 }),
  )
}

/**
 * Sends from the chat view's composer through the same service (and validation) as the REST API.
 * Media is not here yet: it joins as a new `type` once the media service exists.
 */
export async function sendMessageAction(accountId: string, input: unknown): Promise<ActionResult<MessageView>> {
  return run('admin', async (me) => {
    const id = AccountId.parse(accountId)
    const body = SendMessageBody.parse(input)
    const rt = getRuntime()
    const message = await rt.messages.send(id, body)
    rt.audit.record({
      actor: me.email,
      actorId: `operator:${me.id}`,
      action: 'message.send',
      target: id,
      ip: trustFromHeaders(await headers()).clientIp,
      details: { messageId: message.id, type: message.type, via: 'dashboard' },
    })
    return message
  })
}
