'use client'

import { useId, useState, useTransition } from 'react'
import { Alert, Button, Card, Field, Input } from '@/components/ui/primitives'
import { api } from '@/lib/api/client'
import { formText } from '@/lib/http/form'
import type { SubscribableEvent } from '@/lib/webhooks/rules'
import type { WebhookView } from '@/lib/webhooks/views'
import { EditEndpoint } from './edit-endpoint'
import {
  draftFor,
  draftProblems,
  errorsFrom,
  EventsPicker,
  FieldError,
  type FormErrors,
  headerPatch,
  HeadersEditor,
} from './endpoint-fields'

/**
 * What an admin does on the Webhooks page, through the REST API with the session cookie. The page is
 * not re-read afterwards: each change comes back as a live event (an endpoint created, changed or
 * deleted, a delivery created or replayed), like changes made anywhere else — re-reading could also
 * overwrite a newer live state with a render taken a moment before it. Errors show the API's message.
 */
function useAction() {
  const [pending, start] = useTransition()
  const [error, setError] = useState<string | null>(null)
  const run = (fn: () => Promise<unknown>, after?: (result: unknown) => void) => {
    setError(null)
    start(async () => {
      try {
        const result = await fn()
        after?.(result)
      } catch (err) {
        setError(err instanceof Error ? err.message : 'The request failed.')
      }
    })
  }
  return { pending, error, run }
}

function SecretOnce({ secret, onDone }: { secret: string; onDone: () => void }) {
  return (
    <Alert kind="success">
      <p>The signing secret, shown this once: store it with the receiver.</p>
      <code data-testid="webhook-secret" className="mt-1 block break-all font-mono text-xs">
        {secret}
      </code>
      <Button variant="secondary" className="mt-2" onClick={onDone}>
        Done
      </Button>
    </Alert>
  )
}

/** `fixedAccountId`: the form adds endpoints for that one account (the account page). */
export function NewEndpoint({ accounts, fixedAccountId }: { accounts: { id: string; name: string }[]; fixedAccountId?: string }) {
  const { pending, error, run } = useAction()
  const [secret, setSecret] = useState<string | null>(null)
  const [draft, setDraft] = useState(() => draftFor([]))
  const [events, setEvents] = useState<SubscribableEvent[] | null>(null)
  const [errors, setErrors] = useState<FormErrors>({ headers: {} })
  const id = useId()
  return (
    <Card className="space-y-3">
      <form
        aria-label="Add a webhook endpoint"
        className={`grid gap-3 md:items-end ${fixedAccountId ? 'md:grid-cols-[1fr_auto]' : 'md:grid-cols-[2fr_1fr_auto]'}`}
        onSubmit={(e) => {
          e.preventDefault()
          const form = e.currentTarget
          const data = new FormData(form)
          const accountId = fixedAccountId ?? formText(data, 'accountId')
          const found: FormErrors = { headers: draftProblems(draft) }
          if (events !== null && events.length === 0) found.events = 'Choose at least one event type, or every event.'
          setErrors(found)
          if (found.events || Object.keys(found.headers).length) return
          const { headers } = headerPatch(draft)
          run(
            () =>
              api
                .call('createWebhook', {
                  body: {
                    url: formText(data, 'url'),
                    accountId: accountId || null,
                    ...(events ? { events } : {}),
                    ...(data.get('unordered') ? { ordered: false } : {}),
                    ...(Object.keys(headers).length ? { headers } : {}),
                  },
                })
                .catch((err: unknown) => {
                  // a refusal the form can point at is shown beside its field; any other as the form's error
                  const found = errorsFrom(err)
                  if (found.form !== undefined) throw err
                  setErrors(found)
                }),
            (r) => {
              if (!r) return
              setSecret((r as { secret: string }).secret)
              setDraft(draftFor([]))
              setEvents(null)
              form.reset()
            },
          )
        }}
      >
        <Field label="URL">
          <Input name="url" type="url" required placeholder="https://example.com/whatsapp-events" />
        </Field>
        {fixedAccountId ? null : (
          <Field label="Account">
            <select
              name="accountId"
              className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900"
            >
              <option value="">every account</option>
              {accounts.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name} ({a.id})
                </option>
              ))}
            </select>
          </Field>
        )}
        <div className="flex flex-col gap-2">
          <label className="flex items-center gap-2 text-xs">
            <input type="checkbox" name="unordered" /> unordered
          </label>
          <Button type="submit" disabled={pending}>
            Add endpoint
          </Button>
        </div>
        <div className="space-y-3 md:col-span-full">
          <FieldError id="new-endpoint-url-error">{errors.url}</FieldError>
          <EventsPicker value={events} onChange={setEvents} error={errors.events} idPrefix={id} />
          <HeadersEditor draft={draft} onChange={setDraft} errors={errors.headers} />
        </div>
      </form>
      {error ? <Alert>{error}</Alert> : null}
      {secret ? <SecretOnce secret={secret} onDone={() => setSecret(null)} /> : null}
    </Card>
  )
}

export function EndpointActions({ endpoint }: { endpoint: WebhookView }) {
  const { pending, error, run } = useAction()
  const [secret, setSecret] = useState<string | null>(null)
  const params = { webhookId: endpoint.id }
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2">
        <EditEndpoint endpoint={endpoint} />
        <Button variant="secondary" disabled={pending} onClick={() => run(() => api.call('testWebhook', { params }))}>
          Send test
        </Button>
        <Button
          variant="secondary"
          disabled={pending}
          onClick={() => run(() => api.call('updateWebhook', { params, body: { enabled: !endpoint.enabled } }))}
        >
          {endpoint.enabled ? 'Disable' : 'Enable'}
        </Button>
        <Button
          variant="secondary"
          disabled={pending}
          onClick={() => {
            if (!window.confirm('Rotate the signing secret? The old one keeps signing beside the new one for a day.')) return
            run(
              () => api.call('rotateWebhookSecret', { params, body: {} }),
              (r) => setSecret((r as { secret: string }).secret),
            )
          }}
        >
          Rotate secret
        </Button>
        <Button
          variant="danger"
          disabled={pending}
          onClick={() => {
            if (!window.confirm(`Delete the endpoint ${endpoint.url} and its delivery history?`)) return
            run(() => api.call('deleteWebhook', { params }))
          }}
        >
          Delete
        </Button>
      </div>
      {error ? <Alert>{error}</Alert> : null}
      {secret ? <SecretOnce secret={secret} onDone={() => setSecret(null)} /> : null}
    </div>
  )
}

export function DeliveryActions({ webhookId, deliveryId }: { webhookId: string; deliveryId: number }) {
  const { pending, error, run } = useAction()
  return (
    <div className="mt-2 space-y-2">
      <Button
        variant="secondary"
        disabled={pending}
        onClick={() => run(() => api.call('replayWebhookDelivery', { params: { webhookId, deliveryId } }))}
      >
        Replay
      </Button>
      {error ? <Alert>{error}</Alert> : null}
    </div>
  )
}

/** Replays every failed delivery of the last N hours (same event ids, fresh signatures). */
export function ReplayFailed({ webhookId }: { webhookId: string }) {
  const { pending, error, run } = useAction()
  const [done, setDone] = useState<number | null>(null)
  return (
    <div className="flex flex-wrap items-end gap-2">
      <label className="space-y-1">
        <span className="block text-xs text-muted">Failed in the last</span>
        <select
          id={`replay-hours-${webhookId}`}
          defaultValue="24"
          className="rounded-md border border-slate-300 bg-white px-2 py-1.5 dark:border-slate-700 dark:bg-slate-900"
        >
          {[1, 6, 24, 72, 168].map((h) => (
            <option key={h} value={h}>
              {h} h
            </option>
          ))}
        </select>
      </label>
      <Button
        type="button"
        variant="secondary"
        disabled={pending}
        onClick={() => {
          const hours = Number((document.getElementById(`replay-hours-${webhookId}`) as HTMLSelectElement | null)?.value ?? 24)
          const until = new Date()
          const since = new Date(until.getTime() - hours * 3_600_000)
          run(
            () =>
              api.call('replayFailedWebhookDeliveries', {
                params: { webhookId },
                body: { since: since.toISOString(), until: until.toISOString() },
              }),
            (r) => setDone((r as { replayed: number }).replayed),
          )
        }}
      >
        Replay failed
      </Button>
      {done !== null ? (
        <span role="status" className="text-xs">
          {done} replayed
        </span>
      ) : null}
      {error ? <Alert>{error}</Alert> : null}
    </div>
  )
}
