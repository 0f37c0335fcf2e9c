'use client'

import { useState } from 'react'
import { Button, Input } from '@/components/ui/primitives'
import { useToast } from '@/components/ui/toast'
import { api } from '@/lib/api/client'
import { formText } from '@/lib/http/form'
import type { MessageView } from '@/lib/messages/types'
import { type MediaKind, mediaBody, MediaPicker, type SendBody, uploadFile } from './media-picker'
import { messageSummary } from './message-bubble'

/**
 * What the composer sends, through the REST API with the operator's session (`POST …/messages`, the
 * typed client): the same checks, limits and audit row as a program's send. A file is uploaded first
 * (`POST …/media`), then sent as `{ type: 'image' | 'video' | 'audio' | 'document', … }`. A refusal
 * shows the API's own message.
 */
type Kind = 'text' | 'file' | 'location' | 'contact'
const KINDS: { value: Kind; label: string }[] = [
  { value: 'text', label: 'Text' },
  { value: 'file', label: 'File' },
  { value: 'location', label: 'Location' },
  { value: 'contact', label: 'Contact' },
]

/** Builds the send body (the REST API's shape) from the composer's form. */
function bodyOf(kind: Exclude<Kind, 'file'>, form: FormData, to: string, replyTo: MessageView | null): SendBody {
  const text = (k: string) => {
    const v = form.get(k)
    return typeof v === 'string' ? v.trim() : ''
  }
  const context = replyTo ? { context: { messageId: replyTo.id } } : {}
  switch (kind) {
    case 'text':
      return { to, type: 'text', text: { body: text('body') }, ...context }
    case 'location':
      return {
        to,
        type: 'location',
        location: {
          latitude: Number(text('latitude')),
          longitude: Number(text('longitude')),
          ...(text('name') ? { name: text('name') } : {}),
          ...(text('address') ? { address: text('address') } : {}),
        },
        ...context,
      }
    case 'contact':
      return {
        to,
        type: 'contacts',
        contacts: [{ name: { formattedName: text('contactName') }, phones: [{ phone: text('contactPhone') }] }],
        ...context,
      }
  }
}

export function Composer({
  accountId,
  to,
  replyTo,
  onCancelReply,
  onSent,
  disabledReason,
}: {
  accountId: string
  /** the chat's address (phone or JID) */
  to: string
  replyTo: MessageView | null
  onCancelReply: () => void
  onSent: (m: MessageView) => void
  /** why sending is not possible now (viewer, not connected); null when it is */
  disabledReason: string | null
}) {
  const [kind, setKind] = useState<Kind>('text')
  const [file, setFile] = useState<File | null>(null)
  const [mediaKind, setMediaKind] = useState<MediaKind>('document')
  const [pending, setPending] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const toast = useToast()
  if (disabledReason) {
    return (
      <p className="border-t border-slate-200 p-3 text-center text-xs text-muted dark:border-slate-800" data-testid="composer-disabled">
        {disabledReason}
      </p>
    )
  }
  return (
    <form
      aria-label="Send a message"
      className="space-y-2 border-t border-slate-200 p-3 dark:border-slate-800"
      onSubmit={(e) => {
        e.preventDefault()
        const formEl = e.currentTarget
        const data = new FormData(formEl)
        setPending(true)
        setError(null)
        const body =
          kind !== 'file'
            ? Promise.resolve(bodyOf(kind, data, to, replyTo))
            : file
              ? uploadFile(accountId, file).then(({ id }) =>
                  mediaBody({
                    to,
                    kind: mediaKind,
                    uploadId: id,
                    caption: formText(data, 'caption').trim(),
                    fileName: file.name,
                    voice: data.get('voice') === 'on',
                    replyTo: replyTo?.id ?? null,
                  }),
                )
              : Promise.reject(new Error('Choose a file first.'))
        body
          .then((b) => api.call('sendMessage', { params: { accountId }, body: b }))
          .then((sent) => {
            formEl.reset()
            setFile(null)
            onSent(sent)
          })
          .catch((err: unknown) => {
            const message = err instanceof Error && err.message ? err.message : 'The message could not be sent.'
            setError(message)
            toast.error(message)
          })
          .finally(() => setPending(false))
      }}
    >
      {replyTo ? (
        <div
          className="flex items-start gap-2 rounded-md border-l-4 border-emerald-500 bg-slate-100 px-2 py-1 text-xs dark:bg-slate-800"
          data-testid="reply-preview"
        >
          <span className="flex-1 truncate">Replying to: {messageSummary(replyTo)}</span>
          <button type="button" onClick={onCancelReply} className="underline" aria-label="Cancel the reply">
            Cancel
          </button>
        </div>
      ) : null}
      {error ? (
        <p role="alert" className="text-xs text-red-700 dark:text-red-300" data-testid="composer-error">
          {error}
        </p>
      ) : null}
      <div className="flex flex-wrap items-center gap-1" role="group" aria-label="Message kind">
        {KINDS.map((k) => (
          <button
            key={k.value}
            type="button"
            aria-pressed={kind === k.value}
            onClick={() => setKind(k.value)}
            className={`rounded-md px-2 py-1 text-xs font-medium ${kind === k.value ? 'bg-slate-900 text-white dark:bg-slate-100 dark:text-slate-900' : 'text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800'}`}
          >
            {k.label}
          </button>
        ))}
      </div>
      {kind === 'text' ? (
        <div className="flex gap-2">
          <textarea
            name="body"
            required
            maxLength={65536}
            rows={2}
            aria-label="Message text"
            placeholder="Type a message"
            className="min-h-[2.5rem] flex-1 resize-y rounded-md border border-slate-300 bg-white px-3 py-2 text-sm outline-none focus:border-emerald-500 focus:ring-2 focus:ring-emerald-500/30 dark:border-slate-700 dark:bg-slate-900"
            onKeyDown={(e) => {
              // Enter sends, Shift+Enter makes a new line (as in WhatsApp Web).
              if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault()
                e.currentTarget.form?.requestSubmit()
              }
            }}
          />
          <Button type="submit" disabled={pending}>
            {pending ? 'Sending…' : 'Send'}
          </Button>
        </div>
      ) : kind === 'file' ? (
        <MediaPicker file={file} onFile={setFile} kind={mediaKind} onKind={setMediaKind} pending={pending} />
      ) : kind === 'location' ? (
        <div className="grid gap-2 sm:grid-cols-2">
          <Input name="latitude" type="number" step="any" min={-90} max={90} required aria-label="Latitude" placeholder="Latitude" />
          <Input name="longitude" type="number" step="any" min={-180} max={180} required aria-label="Longitude" placeholder="Longitude" />
          <Input name="name" maxLength={200} aria-label="Place name" placeholder="Name (optional)" />
          <Input name="address" maxLength={300} aria-label="Address" placeholder="Address (optional)" />
          <Button type="submit" disabled={pending} className="sm:col-span-2">
            {pending ? 'Sending…' : 'Send location'}
          </Button>
        </div>
      ) : (
        <div className="grid gap-2 sm:grid-cols-2">
          <Input name="contactName" required maxLength={200} aria-label="Contact name" placeholder="Name" />
          <Input
            name="contactPhone"
            required
            minLength={3}
            maxLength={64}
            aria-label="Contact phone"
            placeholder="Phone, e.g. +1 555 0100"
          />
          <Button type="submit" disabled={pending} className="sm:col-span-2">
            {pending ? 'Sending…' : 'Send contact'}
          </Button>
        </div>
      )}
    </form>
  )
}
