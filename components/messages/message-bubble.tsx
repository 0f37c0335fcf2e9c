'use client'

import type { MessageView } from '@/lib/messages/types'
import { formatTime } from '@/components/ui/format'
import { hasMedia, MediaAttachment } from './media-attachment'

/**
 * ✓ sent, ✓✓ delivered, blue ✓✓ read/played; a clock while queued; ! when it failed. Marks without a
 * class take the bubble's secondary colour; the others keep WCAG's contrast on both bubbles of both themes.
 */
const TICKS: Partial<Record<MessageView['status'], { mark: string; label: string; className?: string }>> = {
  queued: { mark: '🕓', label: 'queued' },
  pending: { mark: '🕓', label: 'sending' },
  sent: { mark: '✓', label: 'sent' },
  delivered: { mark: '✓✓', label: 'delivered' },
  read: { mark: '✓✓', label: 'read', className: 'text-sky-700 dark:text-sky-300' },
  played: { mark: '✓✓', label: 'played', className: 'text-sky-700 dark:text-sky-300' },
  failed: { mark: '!', label: 'failed', className: 'font-bold text-red-700 dark:text-red-300' },
  cancelled: { mark: '⊘', label: 'cancelled' },
}

/** Secondary text inside a bubble: at least 4.5:1 on white and emerald-100 (light), slate-800 and emerald-900 (dark). */
const BUBBLE_MUTED = 'text-slate-600 dark:text-slate-300'

type Loc = { latitude?: number; longitude?: number; name?: string; address?: string }
type Card = { name?: { formattedName?: string } | string; displayName?: string }

/** The text an operator reads for a message of any kind. */
export function messageSummary(m: MessageView): string {
  if (m.text) return m.text
  const c = (m.content ?? {}) as { location?: Loc; contacts?: Card[] }
  if (m.type === 'location' && c.location) {
    const l = c.location
    return `📍 ${l.name ?? 'Location'}${l.address ? `, ${l.address}` : ''} (${l.latitude ?? '?'}, ${l.longitude ?? '?'})`
  }
  if (m.type === 'contacts' && c.contacts) {
    const names = c.contacts.map((x) => (typeof x.name === 'string' ? x.name : (x.name?.formattedName ?? x.displayName ?? 'contact')))
    return `👤 ${names.join(', ')}`
  }
  return `[${m.type}]`
}

export function MessageBubble({
  message: m,
  quoted,
  onReply,
}: {
  message: MessageView
  /** the message this one replies to, when it is loaded */
  quoted?: MessageView
  onReply?: (m: MessageView) => void
}) {
  const out = m.direction === 'out'
  const tick = out ? TICKS[m.status] : undefined
  return (
    <li
      data-testid="message"
      data-message-id={m.id}
      data-direction={m.direction}
      data-status={m.status}
      className={`flex ${out ? 'justify-end' : 'justify-start'}`}
    >
      <div
        className={`group max-w-[85%] rounded-lg px-3 py-2 text-sm shadow-sm sm:max-w-[70%] ${
          out
            ? 'bg-emerald-100 text-slate-900 dark:bg-emerald-900 dark:text-slate-50'
            : 'bg-white text-slate-900 dark:bg-slate-800 dark:text-slate-50'
        }`}
      >
        {m.context ? (
          <blockquote
            data-testid="message-quote"
            className="mb-1 border-l-4 border-emerald-500 bg-black/5 px-2 py-1 text-xs text-slate-600 dark:bg-white/10 dark:text-slate-300"
          >
            {quoted ? messageSummary(quoted) : 'Reply to an earlier message'}
          </blockquote>
        ) : null}
        {hasMedia(m) ? <MediaAttachment message={m} /> : null}
        {m.deletedAt ? (
          <p className={`italic ${BUBBLE_MUTED}`} data-testid="message-deleted">
            This message was deleted
          </p>
        ) : hasMedia(m) && !m.text ? null : (
          <p className="whitespace-pre-wrap break-words" data-testid="message-text">
            {messageSummary(m)}
          </p>
        )}
        <div className={`mt-1 flex items-center justify-end gap-2 text-[11px] ${BUBBLE_MUTED}`}>
          {m.editedAt && !m.deletedAt ? <span data-testid="message-edited">edited</span> : null}
          <time dateTime={new Date(m.timestamp).toISOString()}>{formatTime(m.timestamp).slice(11, 16)}</time>
          {tick ? (
            <span
              data-testid="message-ticks"
              className={tick.className}
              title={m.status === 'failed' && m.statusReason ? m.statusReason : tick.label}
              aria-label={`Status: ${tick.label}`}
            >
              {tick.mark}
            </span>
          ) : null}
          {onReply && !m.deletedAt ? (
            <button
              type="button"
              onClick={() => onReply(m)}
              className="rounded px-1 text-emerald-800 hover:underline dark:text-emerald-300"
              aria-label="Reply to this message"
            >
              Reply
            </button>
          ) : null}
        </div>
        {m.reactions.length > 0 ? (
          <div className="mt-1 flex flex-wrap gap-1" data-testid="message-reactions">
            {m.reactions.map((r) => (
              <span key={`${r.from}-${r.emoji}`} title={r.from} className="rounded-full bg-white px-1.5 text-xs shadow dark:bg-slate-700">
                {r.emoji}
              </span>
            ))}
          </div>
        ) : null}
      </div>
    </li>
  )
}
