'use client'

import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { useRealtimeEvent, useWatchAccount } from '@/components/realtime/realtime-provider'
import type { SessionStatus } from '@/lib/vocabulary/statuses'
import type { AccountSummary } from '@/lib/events/types'
import type { ChatView as Chat, MessageView, Page } from '@/lib/messages/types'
import { mergeViews as merge } from '@/lib/messages/view-merge'
import type { EventPosition, MessageSignal } from '@/lib/realtime/events'
import type { ChatActions } from './actions'
import { Composer } from './composer'
import { formatTime } from '@/components/ui/format'
import { addressOf, type ChatTarget, chatTitle, LoadMore, MessageSearch, NewChat } from './chat-parts'
import { MessageBubble, messageSummary } from './message-bubble'

/** Reactions are shown on the message they react to, not as bubbles of their own. */
const shown = (m: MessageView) => m.type !== 'reaction'

type Conversation = { jid: string; to: string; title: string; items: MessageView[]; nextCursor: string | null; loaded: boolean }

function chatFromMessage(m: MessageView, unread: number): Chat {
  return { ...m.chat, lastMessageAt: m.timestamp, unreadCount: unread, lastMessage: m }
}

/**
 * The account's chats (left) and one conversation (right), live: new messages and every status change
 * arrive over the account's Socket.IO room; after a dropped connection both are re-read.
 */
export function ChatView({
  accountId,
  initialChats,
  canSend,
  initialStatus,
  initialQueue,
  position,
  actions,
}: {
  accountId: string
  initialChats: Page<Chat>
  canSend: boolean
  initialStatus: SessionStatus
  /** the account's send queue when the page was rendered: waiting messages and any restriction pause */
  initialQueue: { queued: number; paused: boolean; reason: string | null; pausedUntil: number | null }
  /** where the event sequence was when the page was rendered: the feed resumes from there */
  position: EventPosition
  /** the page's server actions that read chats and messages (sends go through the REST API) */
  actions: ChatActions
}) {
  const { listChats, listMessages } = actions
  const [status, setStatus] = useState(initialStatus)
  useRealtimeEvent(
    'dashboard.account',
    useCallback((a: AccountSummary) => (a.id === accountId ? setStatus(a.status) : undefined), [accountId]),
  )
  const connected = status === 'connected'
  const [queue, setQueue] = useState(initialQueue)
  useRealtimeEvent(
    'dashboard.queue',
    useCallback(
      (q: { accountId: string; paused: boolean; reason: string | null; pausedUntil: number | null }) =>
        q.accountId === accountId
          ? setQueue((cur) => ({ ...cur, paused: q.paused, reason: q.reason, pausedUntil: q.pausedUntil }))
          : undefined,
      [accountId],
    ),
  )
  const [chats, setChats] = useState<Chat[]>(initialChats.items)
  const [chatsCursor, setChatsCursor] = useState<string | null>(initialChats.nextCursor)
  const [conv, setConv] = useState<Conversation | null>(null)
  const [replyTo, setReplyTo] = useState<MessageView | null>(null)
  const [error, setError] = useState<string | null>(null)
  const openJid = useRef<string | null>(null)
  const openChat = useRef<ChatTarget | null>(null)
  const listEnd = useRef<HTMLDivElement>(null)

  const loadConversation = useCallback(
    async (c: ChatTarget, cursor?: string) => {
      const res = await listMessages(accountId, { chat: c.to, cursor })
      if (!res.ok) {
        setError(res.error)
        return
      }
      setConv((prev) => {
        const base = prev?.jid === c.jid ? prev : { ...c, items: [], nextCursor: null, loaded: false }
        return {
          ...base,
          items: merge(base.items, res.data.items),
          nextCursor: cursor || !base.loaded ? res.data.nextCursor : base.nextCursor,
          loaded: true,
        }
      })
    },
    [accountId, listMessages],
  )

  const open = useCallback(
    (c: ChatTarget) => {
      openJid.current = c.jid
      openChat.current = c
      setReplyTo(null)
      setError(null)
      setConv({ ...c, items: [], nextCursor: null, loaded: false })
      setChats((list) => list.map((x) => (x.jid === c.jid ? { ...x, unreadCount: 0 } : x)))
      void loadConversation(c)
    },
    [loadConversation],
  )

  // Back from a dropped connection that the server could not replay: re-read the chat list and the
  // open conversation's newest page.
  const resync = useCallback(() => {
    void listChats(accountId).then((res) => {
      if (res.ok) {
        setChats(res.data.items)
        setChatsCursor(res.data.nextCursor)
      }
    })
    if (openChat.current) void loadConversation(openChat.current)
  }, [accountId, listChats, loadConversation])
  const seen = useWatchAccount(accountId, position, resync)

  const onCreated = useCallback(({ message }: { accountId: string; message: MessageView }) => {
    const isOpen = openJid.current === message.chat.jid
    setChats((list) => {
      const prev = list.find((c) => c.jid === message.chat.jid)
      // A replayed event the page's data already had changes nothing.
      if ((!shown(message) && prev) || prev?.lastMessage?.id === message.id) return list
      const unread = isOpen || message.direction === 'out' ? 0 : (prev?.unreadCount ?? 0) + 1
      return [chatFromMessage(message, unread), ...list.filter((c) => c.jid !== message.chat.jid)]
    })
    if (isOpen) setConv((c) => (c?.jid === message.chat.jid ? { ...c, items: merge(c.items, [message]) } : c))
  }, [])
  const onUpdated = useCallback(({ message }: { accountId: string; message: MessageView }) => {
    setConv((c) => (c?.items.some((m) => m.id === message.id) ? { ...c, items: merge(c.items, [message]) } : c))
    setChats((list) => list.map((c) => (c.lastMessage?.id === message.id ? { ...c, lastMessage: message } : c)))
  }, [])
  useRealtimeEvent(
    'dashboard.message',
    useCallback(
      (p: MessageSignal) => {
        if (p.accountId !== accountId) return
        seen(p.seq)
        if (p.change === 'created') onCreated(p)
        else onUpdated(p)
      },
      [accountId, seen, onCreated, onUpdated],
    ),
  )

  const visible = useMemo(() => (conv ? conv.items.filter(shown) : []), [conv])
  const byId = useMemo(() => new Map((conv?.items ?? []).map((m) => [m.id, m])), [conv])
  const lastId = visible.at(-1)?.id
  useEffect(() => {
    listEnd.current?.scrollIntoView({ block: 'end' })
  }, [lastId])

  const disabledReason = !canSend
    ? 'Viewers read conversations; only admins send.'
    : !connected
      ? 'The account is not connected: connect it to send.'
      : null

  return (
    <>
      {queue.paused ? (
        <p
          role="status"
          data-testid="queue-paused"
          className="mb-3 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
        >
          Sending is paused{queue.pausedUntil ? ` until ${formatTime(queue.pausedUntil)} UTC` : ''}:{' '}
          {queue.reason ?? 'WhatsApp restricted this account'}. Queued messages wait and go out when the pause ends.
        </p>
      ) : null}
      <div className="grid min-h-[28rem] overflow-hidden rounded-lg border border-slate-200 bg-white md:grid-cols-[18rem_1fr] dark:border-slate-800 dark:bg-slate-900">
        <aside
          aria-label="Chats"
          className={`flex min-h-0 flex-col border-slate-200 md:border-r dark:border-slate-800 ${conv ? 'hidden md:flex' : 'flex'}`}
        >
          <MessageSearch accountId={accountId} onOpen={open} search={listMessages}>
            <NewChat onOpen={(phone) => open({ jid: `${phone}@s.whatsapp.net`, to: phone, title: `+${phone}` })} />
            <ul className="min-h-0 flex-1 overflow-y-auto" data-testid="chat-list">
              {chats.length === 0 ? (
                <li className="p-4 text-sm text-muted">No conversations yet. Start one with a phone number above.</li>
              ) : null}
              {chats.map((c) => (
                <li key={c.jid}>
                  <button
                    type="button"
                    data-testid="chat"
                    data-jid={c.jid}
                    aria-current={conv?.jid === c.jid ? 'true' : undefined}
                    onClick={() => open({ jid: c.jid, to: addressOf(c), title: chatTitle(c) })}
                    className={`flex w-full items-start gap-2 border-b border-slate-100 px-3 py-2 text-left text-sm hover:bg-slate-50 dark:border-slate-800 dark:hover:bg-slate-800 ${conv?.jid === c.jid ? 'bg-slate-100 dark:bg-slate-800' : ''}`}
                  >
                    <span className="min-w-0 flex-1">
                      <span className="block truncate font-medium">{chatTitle(c)}</span>
                      <span className="block truncate text-xs text-muted">{c.lastMessage ? messageSummary(c.lastMessage) : ''}</span>
                    </span>
                    {c.unreadCount > 0 ? (
                      <span className="rounded-full bg-emerald-700 px-1.5 text-xs text-white" data-testid="chat-unread">
                        {c.unreadCount}
                        {/* part of the chat button's name (an aria-label on a plain span is not) */}
                        <span className="sr-only"> unread</span>
                      </span>
                    ) : null}
                  </button>
                </li>
              ))}
              {chatsCursor ? (
                <li>
                  <LoadMore
                    onClick={() =>
                      void listChats(accountId, chatsCursor).then((res) => {
                        if (!res.ok) return
                        setChats((list) => [...list, ...res.data.items.filter((c) => !list.some((x) => x.jid === c.jid))])
                        setChatsCursor(res.data.nextCursor)
                      })
                    }
                  />
                </li>
              ) : null}
            </ul>
          </MessageSearch>
        </aside>

        <section aria-label="Conversation" className={`min-h-0 flex-col ${conv ? 'flex' : 'hidden md:flex'}`} data-testid="conversation">
          {conv ? (
            <>
              <header className="flex items-center gap-2 border-b border-slate-200 px-3 py-2 dark:border-slate-800">
                <button
                  type="button"
                  className="rounded px-2 py-1 text-sm md:hidden"
                  onClick={() => {
                    openJid.current = null
                    openChat.current = null
                    setConv(null)
                  }}
                  aria-label="Back to the chats"
                >
                  ←
                </button>
                <h3 className="truncate font-semibold" data-testid="conversation-title">
                  {conv.title}
                </h3>
              </header>
              {/* it scrolls, and a viewer's messages hold nothing focusable: the keyboard scrolls it from here */}
              <div
                role="region"
                aria-label="Messages"
                tabIndex={0}
                className="max-h-[32rem] min-h-[16rem] flex-1 overflow-y-auto bg-slate-50 p-3 dark:bg-slate-950"
              >
                {conv.nextCursor ? (
                  <LoadMore label="Load older messages" onClick={() => void loadConversation(conv, conv.nextCursor ?? undefined)} />
                ) : null}
                {error ? (
                  <p role="alert" className="text-sm text-red-700 dark:text-red-300">
                    {error}
                  </p>
                ) : null}
                {!conv.loaded ? <p className="text-sm text-muted">Loading…</p> : null}
                {conv.loaded && visible.length === 0 ? <p className="text-sm text-muted">No messages yet.</p> : null}
                <ol className="space-y-2" aria-live="polite" data-testid="messages">
                  {visible.map((m) => (
                    <MessageBubble
                      key={m.id}
                      message={m}
                      quoted={m.context?.messageId ? byId.get(m.context.messageId) : undefined}
                      onReply={canSend ? setReplyTo : undefined}
                    />
                  ))}
                </ol>
                <div ref={listEnd} />
              </div>
              <Composer
                accountId={accountId}
                to={conv.to}
                replyTo={replyTo}
                onCancelReply={() => setReplyTo(null)}
                disabledReason={disabledReason}
                onSent={(m) => {
                  setReplyTo(null)
                  openJid.current = m.chat.jid
                  if (openChat.current) openChat.current = { ...openChat.current, jid: m.chat.jid }
                  setConv((c) => (c ? { ...c, jid: m.chat.jid, items: merge(c.items, [m]) } : c))
                  onCreated({ accountId, message: m })
                }}
              />
            </>
          ) : (
            <p className="m-auto p-6 text-sm text-muted">Choose a chat, or start one with a phone number.</p>
          )}
        </section>
      </div>
    </>
  )
}
