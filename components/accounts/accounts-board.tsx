'use client'

import { useCallback, useEffect, useRef, useState } from 'react'
import { useRealtimeEvent, useResync } from '@/components/realtime/realtime-provider'
import { Alert, Button, EmptyState, Field, Input } from '@/components/ui/primitives'
import { api } from '@/lib/api/client'
import type { SessionStatus } from '@/lib/vocabulary/statuses'
import type { AccountSummary, QrPayload } from '@/lib/events/types'
import { AccountCard } from './account-card'
import { formText } from '@/lib/http/form'

type Pairing = { code: string; expiresAt: number }

/** The state filter: groups an operator thinks in, then every single state. */
const FILTERS: { value: string; label: string; match: (s: SessionStatus) => boolean }[] = [
  { value: 'all', label: 'All states', match: () => true },
  { value: 'attention', label: 'Needs attention', match: (s) => s === 'failed' || s === 'logged_out' || s === 'reconnecting' },
  { value: 'linking', label: 'Linking', match: (s) => s === 'qr_ready' || s === 'pairing_code_ready' || s === 'connecting' },
  ...(['connected', 'connecting', 'qr_ready', 'pairing_code_ready', 'reconnecting', 'disconnected', 'logged_out', 'failed'] as const).map(
    (st) => ({ value: st, label: st.replace(/_/g, ' '), match: (s: SessionStatus) => s === st }),
  ),
]

/** The Accounts page: cards that follow every status, QR and pairing-code change live over Socket.IO. */
export function AccountsBoard({
  initialAccounts,
  initialQrs,
  canEdit,
}: {
  initialAccounts: AccountSummary[]
  initialQrs: QrPayload[]
  canEdit: boolean
}) {
  const [accounts, setAccounts] = useState<AccountSummary[]>(initialAccounts)
  const [qrs, setQrs] = useState<Record<string, QrPayload>>(() => Object.fromEntries(initialQrs.map((q) => [q.accountId, q])))
  const [pairings, setPairings] = useState<Record<string, Pairing>>({})
  const [filter, setFilter] = useState('all')

  const upsert = useCallback((a: AccountSummary) => {
    setAccounts((list) => {
      const i = list.findIndex((x) => x.id === a.id)
      if (i === -1) return [...list, a]
      // Events may arrive out of order with a page load: keep the newest status.
      if ((list[i]?.statusAt ?? 0) > a.statusAt) return list
      const next = list.slice()
      next[i] = a
      return next
    })
  }, [])
  const onDeleted = useCallback(({ accountId }: { accountId: string }) => setAccounts((list) => list.filter((a) => a.id !== accountId)), [])
  const onQr = useCallback((q: QrPayload) => setQrs((m) => ({ ...m, [q.accountId]: q })), [])
  const onQrCleared = useCallback(({ accountId }: { accountId: string }) => setQrs(({ [accountId]: _gone, ...rest }) => rest), [])
  const onPairing = useCallback(
    (p: { accountId: string; code: string; expiresAt: number }) =>
      setPairings((m) => ({ ...m, [p.accountId]: { code: p.code, expiresAt: p.expiresAt } })),
    [],
  )
  useRealtimeEvent('dashboard.account', upsert)
  useRealtimeEvent('dashboard.account_deleted', onDeleted)
  useRealtimeEvent('dashboard.qr', onQr)
  useRealtimeEvent('dashboard.qr_cleared', onQrCleared)
  useRealtimeEvent('dashboard.pairing_code', onPairing)
  // On the first connect and back from a dropped connection: the list is re-read, since status events
  // are not replayed to this page (an account created between the page's rendering and its socket's
  // connect would otherwise be missing).
  useResync(
    useCallback(() => {
      void api
        .call('listAccounts', {})
        .then((r) => setAccounts(r.data))
        .catch(() => undefined)
    }, []),
    { firstConnect: true },
  )
  // QR codes are not replayed to a page (they reach the admins' sockets once, as they come): one that
  // came before this page's socket connected, or while it was away, is fetched, once per wait for a scan.
  const askedQr = useRef(new Set<string>())
  useEffect(() => {
    if (!canEdit) return
    for (const a of accounts) {
      if (a.status !== 'qr_ready') {
        askedQr.current.delete(a.id)
        continue
      }
      if (qrs[a.id] || askedQr.current.has(a.id)) continue
      askedQr.current.add(a.id)
      api
        .call('getQr', { params: { accountId: a.id } })
        .then((q) => {
          setQrs((m) => (m[a.id] ? m : { ...m, [a.id]: { accountId: a.id, qr: q.qr, image: q.image, expiresAt: Date.parse(q.expiresAt) } }))
        })
        .catch(() => undefined) // no QR any more (scanned, expired): the status event that follows says so
    }
  }, [accounts, qrs, canEdit])
  const active = FILTERS.find((f) => f.value === filter) ?? FILTERS[0]
  const shown = active ? accounts.filter((a) => active.match(a.status)) : accounts

  return (
    <>
      <div className="mb-4 flex flex-wrap items-end justify-between gap-3">
        {accounts.length > 0 ? (
          <label className="flex items-center gap-2 text-sm">
            {/* the visible label is the accessible name (WCAG 2.5.3): it was "Show", named "Filter by state" */}
            <span className="text-slate-600 dark:text-slate-400">Filter by state</span>
            <select
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
              data-testid="state-filter"
              className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900"
            >
              {FILTERS.map((f) => (
                <option key={f.value} value={f.value}>
                  {f.label} ({accounts.filter((a) => f.match(a.status)).length})
                </option>
              ))}
            </select>
          </label>
        ) : (
          <span />
        )}
        {canEdit ? <CreateAccount onCreated={upsert} /> : null}
      </div>
      {accounts.length === 0 ? (
        <EmptyState title="No WhatsApp accounts yet">
          {canEdit ? (
            <>
              First step: <strong>Add account</strong> and give it a name. Then, on its card, choose <strong>Link with QR code</strong> and
              scan the code with WhatsApp on the phone (Settings → Linked devices → Link a device), or link with the phone number and a
              pairing code instead.
            </>
          ) : (
            'An admin adds accounts and links them to phones; they appear here, live.'
          )}
        </EmptyState>
      ) : shown.length === 0 ? (
        <EmptyState title="No account in this state">Choose another state above to see the others.</EmptyState>
      ) : (
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
          {shown.map((a) => (
            <AccountCard key={a.id} account={a} qr={qrs[a.id]} pairing={pairings[a.id]} canEdit={canEdit} />
          ))}
        </div>
      )}
    </>
  )
}

function CreateAccount({ onCreated }: { onCreated: (a: AccountSummary) => void }) {
  const dialog = useRef<HTMLDialogElement>(null)
  const [error, setError] = useState<string | null>(null)
  const [pending, setPending] = useState(false)
  return (
    <div>
      <Button
        onClick={() => {
          setError(null)
          dialog.current?.showModal()
        }}
      >
        Add account
      </Button>
      <dialog
        ref={dialog}
        aria-labelledby="create-account-title"
        className="m-auto w-full max-w-md rounded-lg bg-white p-5 text-slate-900 shadow-xl backdrop:bg-black/40 dark:bg-slate-900 dark:text-slate-100"
      >
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault()
            // React clears currentTarget once the handler returns: keep the form for after the request.
            const formEl = e.currentTarget
            const form = new FormData(formEl)
            const id = formText(form, 'id').trim()
            setPending(true)
            setError(null)
            api
              .call('createAccount', { body: { name: formText(form, 'name'), ...(id ? { id } : {}) } })
              .then((account) => {
                onCreated(account)
                formEl.reset()
                dialog.current?.close()
              })
              .catch((err: unknown) => {
                setError(err instanceof Error ? err.message : 'Could not create the account.')
              })
              .finally(() => {
                setPending(false)
              })
          }}
        >
          <h2 id="create-account-title" className="text-lg font-semibold">
            Add a WhatsApp account
          </h2>
          {error ? <Alert>{error}</Alert> : null}
          <Field label="Display name">
            <Input name="name" required maxLength={100} />
          </Field>
          <Field label="Id (optional)" hint="Lowercase letters, digits, - and _. Used in API paths. Generated when empty.">
            <Input name="id" pattern="[a-z0-9][a-z0-9_\-]{0,63}" />
          </Field>
          <div className="flex justify-end gap-2">
            <Button type="button" variant="ghost" onClick={() => dialog.current?.close()}>
              Cancel
            </Button>
            <Button type="submit" disabled={pending}>
              {pending ? 'Creating…' : 'Create'}
            </Button>
          </div>
        </form>
      </dialog>
    </div>
  )
}
