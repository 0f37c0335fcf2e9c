'use client'

import Link from 'next/link'
import { useState } from 'react'
import { Alert, Button, Card, Input } from '@/components/ui/primitives'
import { useToast } from '@/components/ui/toast'
import { formatDuration } from '@/components/ui/format'
import { useNow } from '@/components/ui/use-now'
import { api } from '@/lib/api/client'
import type { AccountSummary, QrPayload } from '@/lib/events/types'
import { PairingCodePanel, QrPanel } from './qr-panel'
import { StatusBadge } from './status-badge'

type Pairing = { code: string; expiresAt: number }

/** What each action's toast says once the gateway accepted it (the card itself follows the live status). */
const DONE: Record<string, (name: string) => string> = {
  connect: (n) => `Connecting ${n}…`,
  disconnect: (n) => `${n} disconnected.`,
  reset: (n) => `Reconnect counter of ${n} reset.`,
  logout: (n) => `${n} logged out; the phone no longer lists this device.`,
  delete: (n) => `${n} deleted.`,
  pairing: (n) => `Pairing code for ${n} ready: enter it on the phone.`,
}

export const LIVE = new Set(['connecting', 'qr_ready', 'pairing_code_ready', 'connected', 'reconnecting'])

export function AccountCard({
  account,
  qr,
  pairing,
  canEdit,
}: {
  account: AccountSummary
  qr?: QrPayload
  pairing?: Pairing
  canEdit: boolean
}) {
  const [busy, setBusy] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [pairingOpen, setPairingOpen] = useState(false)
  const [phone, setPhone] = useState('')
  const toast = useToast()
  const linked = account.jid !== null
  const live = LIVE.has(account.status)

  async function act(name: string, fn: () => Promise<unknown>, confirmText?: string) {
    if (confirmText && !window.confirm(confirmText)) return
    setBusy(name)
    setError(null)
    try {
      await fn()
      toast.success(DONE[name]?.(account.name) ?? 'Done.')
    } catch (e) {
      const message = e instanceof Error ? e.message : 'The action failed.'
      setError(message)
      toast.error(message)
    } finally {
      setBusy(null)
    }
  }
  const post = (id: 'connectAccount' | 'disconnectAccount' | 'logoutAccount' | 'resetAccount') => () =>
    api.call(id, { params: { accountId: account.id } })

  return (
    <Card className="flex flex-col">
      <div data-testid="account-card" data-account-id={account.id} className="contents">
        <div className="flex items-start justify-between gap-2">
          <div className="min-w-0">
            <h2 className="truncate font-semibold">
              <Link href={`/accounts/${account.id}`} className="hover:underline" data-testid="account-open">
                {account.name}
              </Link>
            </h2>
            <p className="truncate font-mono text-xs text-muted">{account.id}</p>
          </div>
          <StatusBadge status={account.status} />
        </div>
        <dl className="mt-3 grid grid-cols-[7rem_1fr] gap-y-1 text-sm">
          <dt className="text-muted">Phone</dt>
          <dd data-testid="account-phone">{account.phone ? `+${account.phone}` : '—'}</dd>
          {account.pushName ? (
            <>
              <dt className="text-muted">Name</dt>
              <dd>{account.pushName}</dd>
            </>
          ) : null}
          <dt className="text-muted">{account.status === 'connected' ? 'Up for' : 'Since'}</dt>
          <dd data-testid="account-uptime">
            <Since at={account.statusAt} />
          </dd>
          <dt className="text-muted">Reconnects</dt>
          <dd data-testid="reconnect-attempts">{account.reconnectAttempts}</dd>
          {account.statusReason ? (
            <>
              <dt className="text-muted">Status</dt>
              <dd className="text-slate-600 dark:text-slate-400" data-testid="status-reason">
                {account.statusReason}
              </dd>
            </>
          ) : null}
          {account.lastError && account.status !== 'connected' ? (
            <>
              <dt className="text-muted">Last error</dt>
              <dd className="text-red-700 dark:text-red-300">{account.lastError}</dd>
            </>
          ) : null}
        </dl>

        {qr && account.status === 'qr_ready' ? (
          <QrPanel qr={qr}>
            {canEdit && !pairingOpen ? (
              <button
                type="button"
                className="text-xs font-medium text-emerald-700 underline dark:text-emerald-400"
                onClick={() => setPairingOpen(true)}
              >
                Link with a phone number instead
              </button>
            ) : null}
          </QrPanel>
        ) : null}
        {!canEdit && (account.status === 'qr_ready' || account.status === 'pairing_code_ready') ? (
          <p
            className="mt-3 rounded-md border border-slate-200 p-3 text-center text-xs text-slate-600 dark:border-slate-700 dark:text-slate-400"
            data-testid="link-waiting"
          >
            {account.status === 'qr_ready' ? 'A QR code is waiting to be scanned.' : 'A pairing code is waiting to be entered.'} Only admins
            see linking codes.
          </p>
        ) : null}
        {pairing && account.status === 'pairing_code_ready' ? <PairingCodePanel code={pairing.code} expiresAt={pairing.expiresAt} /> : null}
        {error ? (
          <div className="mt-3">
            <Alert>{error}</Alert>
          </div>
        ) : null}

        {canEdit ? (
          <div className="mt-4 flex flex-wrap gap-2 border-t border-slate-100 pt-3 dark:border-slate-800">
            {!live ? (
              <Button disabled={busy !== null} onClick={() => void act('connect', post('connectAccount'))}>
                {linked ? 'Connect' : 'Link with QR code'}
              </Button>
            ) : (
              <Button variant="secondary" disabled={busy !== null} onClick={() => void act('disconnect', post('disconnectAccount'))}>
                Disconnect
              </Button>
            )}
            {!linked && account.status !== 'connected' ? (
              <Button variant="secondary" disabled={busy !== null} onClick={() => setPairingOpen((v) => !v)}>
                Link with pairing code
              </Button>
            ) : null}
            {account.reconnectAttempts > 0 || account.status === 'failed' ? (
              <Button variant="secondary" disabled={busy !== null} onClick={() => void act('reset', post('resetAccount'))}>
                Reset
              </Button>
            ) : null}
            {linked ? (
              <Button
                variant="danger"
                disabled={busy !== null}
                onClick={() =>
                  void act(
                    'logout',
                    post('logoutAccount'),
                    `Log out ${account.name}? The device is unlinked from the phone and must be linked again.`,
                  )
                }
              >
                Log out
              </Button>
            ) : null}
            <Button
              variant="ghost"
              disabled={busy !== null}
              onClick={() =>
                void act(
                  'delete',
                  () => api.call('deleteAccount', { params: { accountId: account.id } }),
                  `Delete ${account.name}? It is logged out and all its data is removed.`,
                )
              }
            >
              Delete
            </Button>
          </div>
        ) : null}

        {canEdit && pairingOpen && !linked ? (
          <form
            className="mt-3 flex gap-2"
            onSubmit={(e) => {
              e.preventDefault()
              void act('pairing', async () => {
                await api.call('requestPairingCode', { params: { accountId: account.id }, body: { phone } })
                setPairingOpen(false)
              })
            }}
          >
            <Input
              value={phone}
              onChange={(e) => setPhone(e.target.value)}
              placeholder="Phone number, e.g. 4915123456789"
              aria-label="Phone number"
              required
            />
            <Button type="submit" disabled={busy !== null}>
              {busy === 'pairing' ? 'Requesting…' : 'Get code'}
            </Button>
          </form>
        ) : null}
      </div>
    </Card>
  )
}

/** How long the account has been in its current status, ticking. */
function Since({ at }: { at: number }) {
  const now = useNow(1000)
  return <span suppressHydrationWarning>{formatDuration(now - at)}</span>
}
