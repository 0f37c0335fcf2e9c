'use client'

import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { listChatsAction, listMessagesAction } from '@/app/(dashboard)/accounts/[accountId]/actions'
import { useRealtimeEvent, useWatchAccount } from '@/components/realtime/realtime-provider'
import { Button, Input } from '@/components/ui/primitives'
import { formText } from '@/lib/http/form'
import type { SessionStatus } from '@/lib/db/schema'
import type { AccountSummary } from '@/lib/events/types'
import type { ChatView as Chat, MessageView, Page } from '@/lib/messages/types'
import type { EventPosition } from '@/lib/realtime/events'
import { Composer } from './composer'
import { MessageBubble, messageSummary } from './message-bubble'

/** Reactions are shown on the message they react to, not as bubbles of their own. */
const shown = (m: MessageView) => m.type !== 'reaction'
/** How the chat view addresses a known chat: by its JID (the form the log keeps). */
const addressOf = (c: { jid: string }) => c.jid
const chatTitle = (c: { name: string | null; phone: string | null; jid: string }) => c.name ?? (c.phone ? `+${c.phone}` : c.jid)

type Conversation = { jid: string; to: string; title: string; items: MessageView[]; nextCursor: string | null; loaded: boolean }

function chatFromMessage(m: MessageView, unread: number): Chat {
  return { ...m.chat, lastMessageAt: m.timestamp, unreadCount: unread, lastMessage: m }
}

/** Adds or replaces messages by id, oldest first. */
function merge(items: MessageView[], incoming: MessageView[]): MessageView[] {
  const byId = new Map(items.map((m) => [m.id, m]))
  for (const m of incoming) byId.set(m.id, m)
  return [...byId.values()].sort((a, b) => a.timestamp - b.timestamp || a.createdAt - b.createdAt)
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
  position,
}: {
  accountId: string
  initialChats: Page<Chat>
  canSend: boolean
  initialStatus: SessionStatus
  /** where the event sequence was when the page was rendered: the feed resumes from there */
  position: EventPosition
}) {
  const [status, setStatus] = useState(initialStatus)
  useRealtimeEvent(
    'account:upsert',
    useCallback((a: AccountSummary) => (a.id === accountId ? setStatus(a.status) : undefined), [accountId]),
  )
  const connected = status === 'connected'
  const [chats, setChats] = useState<Chat[]>(initialChats.items)
  const [chatsCursor, setChatsCursor] = useState<string | null>(initialChats.nextCursor)
  const [conv, setConv] = useState<Conversation | null>(null)
  const [replyTo, setReplyTo] = useState<MessageView | null>(null)
  const [search, setSearch] = useState<{ q: string; items: MessageView[]; nextCursor: string | null } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const openJid = useRef<string | null>(null)
  const openChat = useRef<{ jid: string; to: string; title: string } | null>(null)
  const listEnd = useRef<HTMLDivElement>(null)

  const loadConversation = useCallback(
    async (c: { jid: string; to: string; title: string }, cursor?: string) => {
      const res = await listMessagesAction(accountId, { chat: c.to, cursor })
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
    [accountId],
  )

  const open = useCallback(
    (c: { jid: string; to: string; title: string }) => {
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
    void listChatsAction(accountId).then((res) => {
      if (res.ok) {
        setChats(res.data.items)
        setChatsCursor(res.data.nextCursor)
      }
    })
    if (openChat.current) void loadConversation(openChat.current)
  }, [accountId, loadConversation])
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
    setSearch((s) =>
      s?.items.some((m) => m.id === message.id) ? { ...s, items: s.items.map((m) => (m.id === message.id ? message : m)) } : s,
    )
  }, [])
  useRealtimeEvent(
    'message:created',
    useCallback(
      (p: { accountId: string; message: MessageView; seq: number }) => {
        if (p.accountId !== accountId) return
        seen(p.seq)
        onCreated(p)
      },
      [accountId, seen, onCreated],
    ),
  )
  useRealtimeEvent(
    'message:updated',
    useCallback(
      (p: { accountId: string; message: MessageView; seq: number }) => {
        if (p.accountId !== accountId) return
        seen(p.seq)
        onUpdated(p)
      },
      [accountId, seen, onUpdated],
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
    <div className="grid min-h-[28rem] overflow-hidden rounded-lg border border-slate-200 bg-white md:grid-cols-[18rem_1fr] dark:border-slate-800 dark:bg-slate-900">
      <aside
        aria-label="Chats"
        className={`flex min-h-0 flex-col border-slate-200 md:border-r dark:border-slate-800 ${conv ? 'hidden md:flex' : 'flex'}`}
      >
        <form
          role="search"
          className="flex gap-1 border-b border-slate-200 p-2 dark:border-slate-800"
          onSubmit={(e) => {
            e.preventDefault()
            const q = formText(new FormData(e.currentTarget), 'q').trim()
            if (!q) {
              setSearch(null)
              return
            }
            void listMessagesAction(accountId, { q }).then((res) =>
              res.ok ? setSearch({ q, items: res.data.items, nextCursor: res.data.nextCursor }) : setError(res.error),
            )
          }}
        >
          <Input name="q" type="search" aria-label="Search messages" placeholder="Search messages" className="py-1.5" />
          <Button type="submit" variant="secondary">
            Search
          </Button>
        </form>
        <NewChat onOpen={(phone) => open({ jid: `${phone}@s.whatsapp.net`, to: phone, title: `+${phone}` })} />
        {search ? (
          <div className="min-h-0 flex-1 overflow-y-auto" data-testid="search-results">
            <div className="flex items-center justify-between px-3 py-2 text-xs text-slate-500">
              <span>
                {search.items.length}
                {search.nextCursor ? '+' : ''} result{search.items.length === 1 ? '' : 's'} for “{search.q}”
              </span>
              <button type="button" className="underline" onClick={() => setSearch(null)}>
                Clear
              </button>
            </div>
            <ul>
              {search.items.map((m) => (
                <li key={m.id}>
                  <button
                    type="button"
                    data-testid="search-result"
                    className="block w-full px-3 py-2 text-left text-sm hover:bg-slate-50 dark:hover:bg-slate-800"
                    onClick={() => open({ jid: m.chat.jid, to: addressOf(m.chat), title: chatTitle(m.chat) })}
                  >
                    <span className="block text-xs text-slate-500">
                      {chatTitle(m.chat)} · {m.direction === 'in' ? 'received' : 'sent'}
                    </span>
                    <span className="line-clamp-2">{messageSummary(m)}</span>
                  </button>
                </li>
              ))}
            </ul>
            {search.nextCursor ? (
              <LoadMore
                onClick={() =>
                  void listMessagesAction(accountId, { q: search.q, cursor: search.nextCursor ?? undefined }).then((res) => {
                    if (res.ok)
                      setSearch((s) => (s ? { ...s, items: [...s.items, ...res.data.items], nextCursor: res.data.nextCursor } : s))
                  })
                }
              />
            ) : null}
          </div>
        ) : (
          <ul className="min-h-0 flex-1 overflow-y-auto" data-testid="chat-list">
            {chats.length === 0 ? (
              <li className="p-4 text-sm text-slate-500">No conversations yet. Start one with a phone number above.</li>
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
                    <span className="block truncate text-xs text-slate-500">{c.lastMessage ? messageSummary(c.lastMessage) : ''}</span>
                  </span>
                  {c.unreadCount > 0 ? (
                    <span
                      className="rounded-full bg-emerald-600 px-1.5 text-xs text-white"
                      aria-label={`${c.unreadCount} unread`}
                      data-testid="chat-unread"
                    >
                      {c.unreadCount}
                    </span>
                  ) : null}
                </button>
              </li>
            ))}
            {chatsCursor ? (
              <li>
                <LoadMore
                  onClick={() =>
                    void listChatsAction(accountId, chatsCursor).then((res) => {
                      if (!res.ok) return
                      setChats((list) => [...list, ...res.data.items.filter((c) => !list.some((x) => x.jid === c.jid))])
                      setChatsCursor(res.data.nextCursor)
                    })
                  }
                />
              </li>
            ) : null}
          </ul>
        )}
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
            <div className="max-h-[32rem] min-h-[16rem] flex-1 overflow-y-auto bg-slate-50 p-3 dark:bg-slate-950">
              {conv.nextCursor ? (
                <LoadMore label="Load older messages" onClick={() => void loadConversation(conv, conv.nextCursor ?? undefined)} />
              ) : null}
              {error ? (
                <p role="alert" className="text-sm text-red-700">
                  {error}
                </p>
              ) : null}
              {!conv.loaded ? <p className="text-sm text-slate-500">Loading…</p> : null}
              {conv.loaded && visible.length === 0 ? <p className="text-sm text-slate-500">No messages yet.</p> : null}
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
          <p className="m-auto p-6 text-sm text-slate-500">Choose a chat, or start one with a phone number.</p>
        )}
      </section>
    </div>
  )
}

function NewChat({ onOpen }: { onOpen: (phone: string) => void }) {
  return (
    <form
      className="flex gap-1 border-b border-slate-200 p-2 dark:border-slate-800"
      onSubmit={(e) => {
        e.preventDefault()
        const digits = formText(new FormData(e.currentTarget), 'phone').replace(/\D/g, '')
        if (digits.length >= 5) {
          onOpen(digits)
          e.currentTarget.reset()
        }
      }}
    >
      <Input name="phone" type="tel" aria-label="New chat with phone number" placeholder="New chat: +1 555…" className="py-1.5" />
      <Button type="submit" variant="secondary">
        Open
      </Button>
    </form>
  )
}

function LoadMore({ onClick, label = 'Load more' }: { onClick: () => void; label?: string }) {
  return (
    <div className="p-2 text-center">
      <Button type="button" variant="ghost" onClick={onClick}>
        {label}
      </Button>
    </div>
  )
}
