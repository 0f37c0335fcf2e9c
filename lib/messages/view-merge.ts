import type { MessageView } from './types'

/**
 * The newer of two copies of one message. A page hears of a message from several places (a server
 * action's answer, a `dashboard.message` signal, a re-read after reconnecting) that can
 * arrive in any order: a refused send may be `failed` over Socket.IO before the action that queued
 * it answers with its `queued` copy. The copy changed last wins; on the same millisecond the one
 * that has left `queued` wins, since nothing ever goes back to it.
 */
export function newerView(current: MessageView | undefined, incoming: MessageView): MessageView {
  if (!current) return incoming
  if (incoming.updatedAt !== current.updatedAt) return incoming.updatedAt > current.updatedAt ? incoming : current
  return incoming.status === 'queued' && current.status !== 'queued' ? current : incoming
}

/** Adds or replaces messages by id (keeping the newer copy of each), oldest first. */
export function mergeViews(items: MessageView[], incoming: MessageView[]): MessageView[] {
  const byId = new Map(items.map((m) => [m.id, m]))
  for (const m of incoming) byId.set(m.id, newerView(byId.get(m.id), m))
  return [...byId.values()].sort((a, b) => a.timestamp - b.timestamp || a.createdAt - b.createdAt)
}
