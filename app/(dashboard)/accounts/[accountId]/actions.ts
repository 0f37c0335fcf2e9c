'use server'

import { z } from 'zod'
import type { ActionResult } from '@/components/messages/actions'
import { requireOperatorAction } from '@/lib/auth/session'
import { isAppError } from '@/lib/errors'
import type { ChatView, MessageView, Page } from '@/lib/messages/types'
import { getRuntime } from '@/lib/runtime'
import type { StatusChange } from '@/lib/sessions/manager'

const AccountId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/)
const Cursor = z.string().max(200).optional()
const ListInput = z.strictObject({ chat: z.string().max(128).optional(), q: z.string().max(200).optional(), cursor: Cursor })

/**
 * Runs one read for the chat view as the signed-in operator (viewers read too). Only reads are
 * here: every change the dashboard makes (sending included) goes through the REST API with the
 * operator's session (lib/api/client), so it is authorised, limited and audited as a program's is.
 */
async function read<T>(fn: () => T | Promise<T>): Promise<ActionResult<T>> {
  try {
    await requireOperatorAction('viewer')
    return { ok: true, data: await fn() }
  } catch (err) {
    if (isAppError(err)) return { ok: false, error: err.message }
    if (err instanceof z.ZodError) return { ok: false, error: err.issues[0]?.message ?? 'Invalid input.' }
    getRuntime().logger.error({ err }, 'dashboard read failed')
    return { ok: false, error: 'Something went wrong; nothing was changed.' }
  }
}

export async function listChatsAction(accountId: string, cursor?: string): Promise<ActionResult<Page<ChatView>>> {
  return read(() => getRuntime().messages.listChats(AccountId.parse(accountId), { cursor: Cursor.parse(cursor), limit: 50 }))
}

/** One chat's messages (newest first), or a search across the account's messages when `q` is given. */
export async function listMessagesAction(
  accountId: string,
  query: { chat?: string; q?: string; cursor?: string },
): Promise<ActionResult<Page<MessageView>>> {
  return read(() => {
    const { chat, q, cursor } = ListInput.parse(query)
    return getRuntime().messages.list(AccountId.parse(accountId), { chat, q, cursor, limit: 50 })
  })
}

export async function statusHistoryAction(accountId: string, before?: number): Promise<ActionResult<StatusChange[]>> {
  return read(() =>
    getRuntime().sessions.history(AccountId.parse(accountId), { before: z.number().int().positive().optional().parse(before), limit: 50 }),
  )
}
