import type { ChatView, MessageView, Page } from '@/lib/messages/types'

/** What a dashboard server action answers (sends go through the REST API: lib/api/client.ts): the data, or a message to show (never a thrown error). */
export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: string }

/**
 * The server actions the chat view calls, passed in by the page (components/ never imports app/):
 * app/(dashboard)/accounts/[accountId]/actions.ts implements them.
 */
export type ChatActions = {
  listChats: (accountId: string, cursor?: string) => Promise<ActionResult<Page<ChatView>>>
  /** one chat's messages (newest first), or a search across the account's messages when `q` is given */
  listMessages: (accountId: string, query: { chat?: string; q?: string; cursor?: string }) => Promise<ActionResult<Page<MessageView>>>
}
