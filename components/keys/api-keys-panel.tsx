'use client'

import { useState } from 'react'
import { usePager } from '@/components/ui/pager'
import { Alert, Button, Card, EmptyState, Field, Input, ScrollRegion } from '@/components/ui/primitives'
import { api } from '@/lib/api/client'
import { isScope, SCOPE_DESCRIPTIONS, SCOPES, type Scope } from '@/lib/keys/scopes'
import type { ApiKeyView } from '@/lib/keys/service'
import { formText } from '@/lib/http/form'

type Created = ApiKeyView & { key: string }
const when = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 16) : '—')

/** The API keys page: create (the key shown once, with a copy button), list with last use, revoke. */
export function ApiKeysPanel({
  initialKeys,
  accounts,
  canEdit,
  accountId,
}: {
  initialKeys: ApiKeyView[]
  accounts: { id: string; name: string }[]
  canEdit: boolean
  /** only this account's keys (the account page); new keys are for it */
  accountId?: string
}) {
  const [keys, setKeys] = useState(initialKeys)
  const [created, setCreated] = useState<Created | null>(null)
  const [error, setError] = useState<string | null>(null)
  // When the list was loaded: what "expired" is measured against.
  const [loadedAt, setLoadedAt] = useState(() => Date.now())
  const pager = usePager(keys)

  const refresh = () =>
    api
      .call('listApiKeys', { query: accountId ? { accountId } : {} })
      .then((r) => {
        setKeys(r.data)
        setLoadedAt(Date.now())
      })
      .catch((err: unknown) => setError(err instanceof Error ? err.message : 'Could not load the keys.'))

  const revoke = (k: ApiKeyView) => {
    if (!window.confirm(`Revoke "${k.name}" (${k.prefix})? Programs using it stop working at once.`)) return
    setError(null)
    api
      .call('revokeApiKey', { params: { keyId: k.id } })
      .then(refresh)
      .catch((err: unknown) => setError(err instanceof Error ? err.message : 'Could not revoke the key.'))
  }

  return (
    <div className="space-y-6">
      {canEdit ? (
        <CreateKey
          accounts={accounts}
          fixedAccountId={accountId}
          onCreated={(k) => {
            setCreated(k)
            void refresh()
          }}
        />
      ) : null}
      {created ? <NewKey created={created} onDone={() => setCreated(null)} /> : null}
      {error ? <Alert>{error}</Alert> : null}
      {keys.length === 0 ? (
        <EmptyState title="No API keys yet">{canEdit ? 'Create one above.' : 'An admin can create keys.'}</EmptyState>
      ) : (
        <Card className="p-0">
          <ScrollRegion label="API keys">
            <table className="w-full text-left text-sm">
              <thead className="border-b border-slate-200 text-xs uppercase text-muted dark:border-slate-800">
                <tr>
                  <th className="px-4 py-2">Name</th>
                  <th className="px-4 py-2">Prefix</th>
                  <th className="px-4 py-2">Account</th>
                  <th className="px-4 py-2">Scopes</th>
                  <th className="px-4 py-2">Created</th>
                  <th className="px-4 py-2">Last used</th>
                  <th className="px-4 py-2">Expires</th>
                  <th className="px-4 py-2">Status</th>
                  {canEdit ? <th className="px-4 py-2 text-right">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {pager.page.map((k) => (
                  <tr
                    key={k.id}
                    className="border-b border-slate-100 last:border-0 dark:border-slate-800"
                    data-testid="key-row"
                    data-name={k.name}
                    data-prefix={k.prefix}
                  >
                    <td className="px-4 py-2 font-medium">{k.name}</td>
                    <td className="px-4 py-2 font-mono text-xs">{k.prefix}…</td>
                    <td className="px-4 py-2">{k.accountId ?? <span className="text-muted">all (gateway-wide)</span>}</td>
                    <td className="px-4 py-2 text-xs">{k.scopes.join(', ')}</td>
                    <td className="px-4 py-2 text-muted">{when(k.createdAt)}</td>
                    <td className="px-4 py-2 text-muted" data-testid="key-last-used">
                      {when(k.lastUsedAt)}
                    </td>
                    <td className="px-4 py-2 text-muted">{when(k.expiresAt)}</td>
                    <td className="px-4 py-2" data-testid="key-status">
                      {k.revokedAt ? (
                        <span className="text-red-700 dark:text-red-300">revoked</span>
                      ) : k.expiresAt && Date.parse(k.expiresAt) <= loadedAt ? (
                        <span className="text-amber-700 dark:text-amber-300">expired</span>
                      ) : (
                        'active'
                      )}
                    </td>
                    {canEdit ? (
                      <td className="px-4 py-2 text-right">
                        {k.revokedAt ? null : (
                          <Button variant="danger" onClick={() => revoke(k)}>
                            Revoke
                          </Button>
                        )}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
          {pager.controls}
        </Card>
      )}
    </div>
  )
}

function CreateKey({
  accounts,
  onCreated,
  fixedAccountId,
}: {
  accounts: { id: string; name: string }[]
  onCreated: (k: Created) => void
  fixedAccountId?: string
}) {
  const [error, setError] = useState<string | null>(null)
  const [pending, setPending] = useState(false)
  const [accountId, setAccountId] = useState(fixedAccountId ?? '')
  return (
    <Card>
      <h2 className="mb-3 text-sm font-semibold">Create a key</h2>
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault()
          const formEl = e.currentTarget
          const form = new FormData(formEl)
          const expires = formText(form, 'expiresAt')
          setPending(true)
          setError(null)
          api
            .call('createApiKey', {
              body: {
                name: formText(form, 'name'),
                accountId: accountId === '' ? null : accountId,
                scopes: form.getAll('scopes').filter((s): s is Scope => typeof s === 'string' && isScope(s)),
                ...(expires ? { expiresAt: new Date(`${expires}T23:59:59`).toISOString() } : {}),
              },
            })
            .then((k) => {
              onCreated(k)
              formEl.reset()
              setAccountId(fixedAccountId ?? '')
            })
            .catch((err: unknown) => setError(err instanceof Error ? err.message : 'Could not create the key.'))
            .finally(() => setPending(false))
        }}
      >
        {error ? <Alert>{error}</Alert> : null}
        <div className="grid gap-4 sm:grid-cols-3">
          <Field label="Name">
            <Input name="name" required maxLength={100} placeholder="CRM" />
          </Field>
          <Field label="Account">
            <select
              name="accountId"
              value={accountId}
              onChange={(e) => setAccountId(e.target.value)}
              className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900"
            >
              {fixedAccountId ? null : <option value="">All accounts (gateway-wide)</option>}
              {accounts.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name} ({a.id})
                </option>
              ))}
            </select>
          </Field>
          <Field label="Expires (optional)">
            <Input name="expiresAt" type="date" />
          </Field>
        </div>
        <fieldset>
          <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">Scopes</legend>
          <div className="mt-2 grid gap-2 sm:grid-cols-2">
            {SCOPES.map((s: Scope) => (
              <label key={s} className="flex items-start gap-2 text-sm">
                <input type="checkbox" name="scopes" value={s} disabled={s === 'admin' && accountId !== ''} className="mt-1" />
                <span>
                  <span className="font-mono">{s}</span>
                  <span className="block text-xs text-muted">{SCOPE_DESCRIPTIONS[s]}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        <div className="flex justify-end">
          <Button type="submit" disabled={pending}>
            {pending ? 'Creating…' : 'Create key'}
          </Button>
        </div>
      </form>
    </Card>
  )
}

function NewKey({ created, onDone }: { created: Created; onDone: () => void }) {
  const [copied, setCopied] = useState(false)
  return (
    <Card className="border-emerald-300 dark:border-emerald-900">
      <div className="space-y-3" data-testid="new-key">
        <Alert kind="success">Key &ldquo;{created.name}&rdquo; created. Copy it now: it is shown this once and cannot be read again.</Alert>
        <div className="flex flex-wrap items-center gap-2">
          <code className="break-all rounded bg-slate-100 px-2 py-1 font-mono text-sm dark:bg-slate-800" data-testid="new-key-value">
            {created.key}
          </code>
          <Button
            variant="secondary"
            onClick={() => {
              void navigator.clipboard.writeText(created.key).then(() => setCopied(true))
            }}
          >
            {copied ? 'Copied' : 'Copy'}
          </Button>
          <Button variant="ghost" onClick={onDone}>
            Done
          </Button>
        </div>
      </div>
    </Card>
  )
}
