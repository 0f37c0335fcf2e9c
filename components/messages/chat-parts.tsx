'use client'

import { type ReactNode, useState } from 'react'
import { Button, Input } from '@/components/ui/primitives'
import { formText } from '@/lib/http/form'
import type { MessageView } from '@/lib/messages/types'
import type { ChatActions } from './actions'
import { messageSummary } from './message-bubble'

export type ChatTarget = { jid: string; to: string; title: string }

/** How the chat view addresses a known chat: by its JID (the form the log keeps). */
export const addressOf = (c: { jid: string }) => c.jid
export const chatTitle = (c: { name: string | null; phone: string | null; jid: string }) => c.name ?? (c.phone ? `+${c.phone}` : c.jid)

/**
 * Search across the account's messages (every word must appear), above the chat list: while a search
 * is shown its results replace `children`; choosing one opens its chat.
 */
export function MessageSearch({
  accountId,
  onOpen,
  search: find,
  children,
}: {
  accountId: string
  onOpen: (c: ChatTarget) => void
  /** the page's server action that reads messages */
  search: ChatActions['listMessages']
  children: ReactNode
}) {
  const [search, setSearch] = useState<{ q: string; items: MessageView[]; nextCursor: string | null } | null>(null)
  const [error, setError] = useState<string | null>(null)
  return (
    <>
      <form
        role="search"
        className="flex gap-1 border-b border-slate-200 p-2 dark:border-slate-800"
        onSubmit={(e) => {
          e.preventDefault()
          const q = formText(new FormData(e.currentTarget), 'q').trim()
          setError(null)
          if (!q) {
            setSearch(null)
            return
          }
          void find(accountId, { q }).then((res) =>
            res.ok ? setSearch({ q, items: res.data.items, nextCursor: res.data.nextCursor }) : setError(res.error),
          )
        }}
      >
        <Input name="q" type="search" aria-label="Search messages" placeholder="Search messages" className="py-1.5" />
        <Button type="submit" variant="secondary">
          Search
        </Button>
      </form>
      {error ? (
        <p role="alert" className="px-3 py-2 text-xs text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
      {search ? (
        <div className="min-h-0 flex-1 overflow-y-auto" data-testid="search-results">
          <div className="flex items-center justify-between px-3 py-2 text-xs text-muted">
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
                  onClick={() => onOpen({ jid: m.chat.jid, to: addressOf(m.chat), title: chatTitle(m.chat) })}
                >
                  <span className="block text-xs text-muted">
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
                void find(accountId, { q: search.q, cursor: search.nextCursor ?? undefined }).then((res) => {
                  if (res.ok) setSearch((s) => (s ? { ...s, items: [...s.items, ...res.data.items], nextCursor: res.data.nextCursor } : s))
                })
              }
            />
          ) : null}
        </div>
      ) : (
        children
      )}
    </>
  )
}

export function NewChat({ onOpen }: { onOpen: (phone: string) => void }) {
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

export function LoadMore({ onClick, label = 'Load more' }: { onClick: () => void; label?: string }) {
  return (
    <div className="p-2 text-center">
      <Button type="button" variant="ghost" onClick={onClick}>
        {label}
      </Button>
    </div>
  )
}
