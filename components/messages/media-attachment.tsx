'use client'

import { useState } from 'react'
import { api } from '@/lib/api/client'
import type { MessageView } from '@/lib/messages/types'
import { formatSize } from './media-picker'

const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'document', 'sticker'])
type MediaMeta = { mimeType?: string; size?: number; fileName?: string; voice?: boolean; seconds?: number }

export const hasMedia = (m: MessageView) => MEDIA_TYPES.has(m.type) && !m.deletedAt

/** Where the dashboard reads a message's media: the media route, with the operator's session (viewers too). */
export const mediaHref = (m: MessageView) => api.url('getMessageMedia', { params: { accountId: m.accountId, messageId: m.id } })

/**
 * A message's media in its bubble: images and stickers as a thumbnail that opens the file, every kind
 * with a download link (name and size). Received media is fetched from WhatsApp on the first request.
 */
export function MediaAttachment({ message: m }: { message: MessageView }) {
  const [broken, setBroken] = useState(false)
  const meta = ((m.content ?? {}) as Record<string, MediaMeta | undefined>)[m.type] ?? {}
  const href = mediaHref(m)
  const name = meta.fileName ?? (meta.voice ? 'voice note' : m.type)
  const pictured = (m.type === 'image' || m.type === 'sticker') && !broken
  return (
    <div className="mb-1 space-y-1" data-testid="message-media" data-kind={m.type}>
      {pictured ? (
        <a href={href} target="_blank" rel="noreferrer" className="block">
          {/* eslint-disable-next-line @next/next/no-img-element -- streamed by the gateway behind the session: nothing for next/image to optimise */}
          <img
            src={href}
            alt={m.text ? `Image: ${m.text}` : `${m.type} from the conversation`}
            loading="lazy"
            onError={() => setBroken(true)}
            data-testid="message-thumbnail"
            className="max-h-48 max-w-full rounded object-contain"
            width={192}
            height={192}
          />
        </a>
      ) : null}
      <a
        href={href}
        download={meta.fileName ?? true}
        data-testid="message-download"
        className="inline-flex items-center gap-1 text-xs text-emerald-800 underline dark:text-emerald-300"
      >
        <span aria-hidden>⬇</span> Download {name}
        {typeof meta.size === 'number' ? ` (${formatSize(meta.size)})` : ''}
      </a>
    </div>
  )
}
