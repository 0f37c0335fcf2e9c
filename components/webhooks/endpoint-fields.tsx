'use client'

import { Button, Input } from '@/components/ui/primitives'
import { ApiError } from '@/lib/api/client'
import { headerNameProblem, headerValueProblem, MAX_HEADERS, SUBSCRIBABLE, type SubscribableEvent } from '@/lib/webhooks/rules'

/**
 * The parts of the webhook endpoint forms that need more than an input: the event filter and the
 * custom headers. Header values are typed here and sent to the API, never read back: an existing
 * header is listed by name with "keep value" (the API keeps what it stored), "replace value" or
 * "remove". Names are checked with the API's own rules before sending; the API checks them again.
 */

export type HeaderMode = 'keep' | 'replace' | 'remove'
export type HeaderDraft = {
  existing: { name: string; mode: HeaderMode; value: string }[]
  added: { id: number; name: string; value: string }[]
}
/** Field errors of a form; header errors by header name (or `#id` for a new row without a name). */
export type FormErrors = { url?: string; events?: string; description?: string; headers: Record<string, string>; form?: string }

export const draftFor = (names: string[]): HeaderDraft => ({
  existing: names.map((name) => ({ name, mode: 'keep', value: '' })),
  added: [],
})

export const headersChanged = (d: HeaderDraft) => d.added.length > 0 || d.existing.some((h) => h.mode !== 'keep')

/** What the API is sent: the new and replaced values, and the names whose stored values stay. */
export function headerPatch(d: HeaderDraft): { headers: Record<string, string>; keepHeaders: string[] } {
  const headers: Record<string, string> = {}
  for (const h of d.existing) if (h.mode === 'replace') headers[h.name] = h.value
  for (const h of d.added) headers[h.name.trim()] = h.value
  return { headers, keepHeaders: d.existing.filter((h) => h.mode === 'keep').map((h) => h.name) }
}

/** The API's header rules, applied before sending so the form can point at the row at fault. */
export function draftProblems(d: HeaderDraft): Record<string, string> {
  const out: Record<string, string> = {}
  const taken = new Set(d.existing.filter((h) => h.mode !== 'remove').map((h) => h.name.toLowerCase()))
  for (const h of d.existing)
    if (h.mode === 'replace' && headerValueProblem(h.value)) out[h.name] = `The value ${headerValueProblem(h.value)}.`
  for (const h of d.added) {
    const name = h.name.trim()
    const problem = name ? headerNameProblem(name) : 'needs a name'
    if (problem) out[name || `#${h.id}`] = `${name || 'This header'} ${problem}.`
    else if (taken.has(name.toLowerCase())) out[name] = `${name} is already set: replace its value above instead.`
    else if (headerValueProblem(h.value)) out[name] = `The value ${headerValueProblem(h.value)}.`
    taken.add(name.toLowerCase())
  }
  if (taken.size > MAX_HEADERS) out['*'] = `At most ${MAX_HEADERS} headers.`
  return out
}

/** Turns the API's refusal into messages beside the fields it names. */
export function errorsFrom(err: unknown, keepHeaders: string[] = []): FormErrors {
  const errors: FormErrors = { headers: {} }
  if (!(err instanceof ApiError)) return { ...errors, form: err instanceof Error ? err.message : 'The request failed.' }
  if (err.code === 'webhook_url_forbidden') return { ...errors, url: err.message }
  for (const { path, message } of err.issues) {
    const [field, ...rest] = path.split('.')
    const key = rest.join('.')
    if (field === 'url' || field === 'description' || field === 'events')
      errors[field] = `The ${field === 'url' ? 'URL' : field} ${message}.`
    else if (field === 'headers') errors.headers[key || '*'] = `${key ? `${key} ` : ''}${message}`
    else if (field === 'keepHeaders') errors.headers[keepHeaders[Number(key)] ?? '*'] = message
    else errors.form = err.message
  }
  if (err.issues.length === 0) errors.form = err.message
  return errors
}

export function FieldError({ id, children }: { id: string; children: string | undefined }) {
  return children ? (
    <p id={id} role="alert" className="text-xs text-red-700 dark:text-red-300" data-testid="field-error">
      {children}
    </p>
  ) : null
}

/** Every event (`null`), or the checked types. */
export function EventsPicker({
  value,
  onChange,
  error,
  idPrefix,
}: {
  value: SubscribableEvent[] | null
  onChange: (v: SubscribableEvent[] | null) => void
  error?: string
  idPrefix: string
}) {
  return (
    <fieldset className="space-y-2" aria-describedby={error ? `${idPrefix}-events-error` : undefined}>
      <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">Events</legend>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={value === null} onChange={(e) => onChange(e.target.checked ? null : [])} />
        Every event (and types added later)
      </label>
      {value === null ? null : (
        <div className="grid gap-1 sm:grid-cols-2">
          {SUBSCRIBABLE.map((t) => (
            <label key={t} className="flex items-center gap-2 font-mono text-xs">
              <input
                type="checkbox"
                checked={value.includes(t)}
                onChange={(e) => onChange(e.target.checked ? [...value, t] : value.filter((x) => x !== t))}
              />
              {t}
            </label>
          ))}
        </div>
      )}
      <FieldError id={`${idPrefix}-events-error`}>{error}</FieldError>
    </fieldset>
  )
}

let nextRow = 1
const selectClass = 'rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900'

export function HeadersEditor({
  draft,
  onChange,
  errors,
}: {
  draft: HeaderDraft
  onChange: (d: HeaderDraft) => void
  errors: Record<string, string>
}) {
  const setExisting = (i: number, patch: Partial<HeaderDraft['existing'][number]>) =>
    onChange({ ...draft, existing: draft.existing.map((h, j) => (j === i ? { ...h, ...patch } : h)) })
  const setAdded = (id: number, patch: Partial<HeaderDraft['added'][number]>) =>
    onChange({ ...draft, added: draft.added.map((h) => (h.id === id ? { ...h, ...patch } : h)) })
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">Custom headers</legend>
      <p className="text-xs text-muted">Sent with every delivery. Values are stored encrypted and never shown again.</p>
      {draft.existing.map((h, i) => (
        <div
          key={h.name}
          role="group"
          aria-label={`Header ${h.name}`}
          data-testid="header-existing"
          data-header={h.name}
          className="space-y-1"
        >
          <div className="flex flex-wrap items-center gap-2">
            <span className="min-w-32 font-mono text-xs">{h.name}</span>
            <select
              aria-label={`What to do with ${h.name}`}
              value={h.mode}
              onChange={(e) => setExisting(i, { mode: e.target.value as HeaderMode, value: '' })}
              className={selectClass}
            >
              <option value="keep">keep value</option>
              <option value="replace">replace value</option>
              <option value="remove">remove</option>
            </select>
            {h.mode === 'replace' ? (
              <Input
                type="password"
                autoComplete="off"
                aria-label={`New value for ${h.name}`}
                value={h.value}
                onChange={(e) => setExisting(i, { value: e.target.value })}
                className="w-auto flex-1"
              />
            ) : null}
          </div>
          <FieldError id={`header-error-${h.name}`}>{errors[h.name]}</FieldError>
        </div>
      ))}
      {draft.added.map((h, i) => (
        <div key={h.id} role="group" aria-label={`New header ${i + 1}`} data-testid="header-new" className="space-y-1">
          <div className="flex flex-wrap items-center gap-2">
            <Input
              aria-label="Header name"
              placeholder="Authorization"
              value={h.name}
              onChange={(e) => setAdded(h.id, { name: e.target.value })}
              className="w-auto flex-1"
            />
            <Input
              type="password"
              autoComplete="off"
              aria-label="Header value"
              value={h.value}
              onChange={(e) => setAdded(h.id, { value: e.target.value })}
              className="w-auto flex-1"
            />
            <Button
              type="button"
              variant="ghost"
              aria-label="Remove this new header"
              onClick={() => onChange({ ...draft, added: draft.added.filter((x) => x.id !== h.id) })}
            >
              ×
            </Button>
          </div>
          <FieldError id={`header-error-new-${h.id}`}>{errors[h.name.trim() || `#${h.id}`]}</FieldError>
        </div>
      ))}
      <Button
        type="button"
        variant="secondary"
        onClick={() => onChange({ ...draft, added: [...draft.added, { id: nextRow++, name: '', value: '' }] })}
      >
        Add header
      </Button>
      <FieldError id="headers-error">{errors['*']}</FieldError>
    </fieldset>
  )
}
