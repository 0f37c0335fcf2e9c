'use client'

import { useEffect, useId, useRef, useState } from 'react'
import { Alert, Button, Input } from '@/components/ui/primitives'
import { api } from '@/lib/api/client'
import type { WebhookView } from '@/lib/webhooks/views'
import { SUBSCRIBABLE, type SubscribableEvent } from '@/lib/webhooks/rules'
import {
  draftFor,
  draftProblems,
  errorsFrom,
  EventsPicker,
  FieldError,
  type FormErrors,
  headerPatch,
  headersChanged,
  HeadersEditor,
} from './endpoint-fields'

/**
 * "Edit" on the Webhooks page (admins only): URL, description, event filter, order and custom headers
 * in a dialog, saved with `PATCH /api/v1/webhooks/{id}` — the API's rules, its audit entry. The saved
 * endpoint comes back as a live event like any other change, so the page is not re-read.
 */
export function EditEndpoint({ endpoint }: { endpoint: WebhookView }) {
  const dialog = useRef<HTMLDialogElement>(null)
  // Each opening starts from the endpoint as it is then (it may have changed live meanwhile).
  const [opened, setOpened] = useState(0)
  const [open, setOpen] = useState(false)
  useEffect(() => {
    if (open && !dialog.current?.open) dialog.current?.showModal()
  }, [open])
  const titleId = useId()
  return (
    <>
      <Button
        variant="secondary"
        onClick={() => {
          setOpened((n) => n + 1)
          setOpen(true)
        }}
      >
        Edit
      </Button>
      <dialog
        ref={dialog}
        aria-labelledby={titleId}
        onClose={() => setOpen(false)}
        className="m-auto w-full max-w-2xl rounded-lg bg-white p-5 text-slate-900 shadow-xl backdrop:bg-black/40 dark:bg-slate-900 dark:text-slate-100"
      >
        <h2 id={titleId} className="mb-4 text-lg font-semibold">
          Edit webhook endpoint
        </h2>
        {open ? <EditForm key={opened} endpoint={endpoint} onDone={() => dialog.current?.close()} /> : null}
      </dialog>
    </>
  )
}

function EditForm({ endpoint, onDone }: { endpoint: WebhookView; onDone: () => void }) {
  const id = useId()
  const [url, setUrl] = useState(endpoint.url)
  const [description, setDescription] = useState(endpoint.description)
  // a stored type the API no longer offers cannot be saved again: it is left out of the picker
  const [events, setEvents] = useState<SubscribableEvent[] | null>(
    endpoint.events?.filter((e): e is SubscribableEvent => (SUBSCRIBABLE as readonly string[]).includes(e)) ?? null,
  )
  const [ordered, setOrdered] = useState(endpoint.ordered)
  const [draft, setDraft] = useState(() => draftFor(endpoint.headers))
  const [errors, setErrors] = useState<FormErrors>({ headers: {} })
  const [pending, setPending] = useState(false)

  const save = () => {
    const found: FormErrors = { headers: draftProblems(draft) }
    if (!url.trim()) found.url = 'Enter the URL events are sent to.'
    if (events !== null && events.length === 0) found.events = 'Choose at least one event type, or every event.'
    setErrors(found)
    if (found.url || found.events || Object.keys(found.headers).length) return
    const patch = headerPatch(draft)
    setPending(true)
    api
      .call('updateWebhook', {
        params: { webhookId: endpoint.id },
        body: { url: url.trim(), description, events, ordered, ...(headersChanged(draft) ? patch : {}) },
      })
      .then(onDone)
      .catch((err: unknown) => setErrors(errorsFrom(err, patch.keepHeaders)))
      .finally(() => setPending(false))
  }

  return (
    <form
      aria-label="Edit webhook endpoint"
      className="space-y-4"
      noValidate
      onSubmit={(e) => {
        e.preventDefault()
        save()
      }}
    >
      {errors.form ? <Alert>{errors.form}</Alert> : null}
      <div className="space-y-1">
        <label htmlFor={`${id}-url`} className="block text-sm font-medium text-slate-700 dark:text-slate-300">
          URL
        </label>
        <Input
          id={`${id}-url`}
          type="url"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          aria-invalid={errors.url ? true : undefined}
          aria-describedby={errors.url ? `${id}-url-error` : undefined}
        />
        <FieldError id={`${id}-url-error`}>{errors.url}</FieldError>
      </div>
      <div className="space-y-1">
        <label htmlFor={`${id}-description`} className="block text-sm font-medium text-slate-700 dark:text-slate-300">
          Description
        </label>
        <Input id={`${id}-description`} value={description} maxLength={500} onChange={(e) => setDescription(e.target.value)} />
        <FieldError id={`${id}-description-error`}>{errors.description}</FieldError>
      </div>
      <EventsPicker value={events} onChange={setEvents} error={errors.events} idPrefix={id} />
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={ordered} onChange={(e) => setOrdered(e.target.checked)} />
        Ordered delivery (one at a time, oldest event first)
      </label>
      <HeadersEditor draft={draft} onChange={setDraft} errors={errors.headers} />
      <div className="flex justify-end gap-2">
        <Button type="button" variant="ghost" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" disabled={pending}>
          {pending ? 'Saving…' : 'Save changes'}
        </Button>
      </div>
    </form>
  )
}
