'use client'

import Link from 'next/link'
import { type ReactNode, useCallback, useState } from 'react'
import { useRealtimeEvent } from '@/components/realtime/realtime-provider'
import type { AccountSummary, QrPayload } from '@/lib/events/types'
import { AccountCard } from './account-card'

/**
 * The top of the account page: the live account card (status, actions, linking) and tabs for the
 * chats, the status timeline and the account's API keys. Tabs are links (?tab=…), so each view has an
 * address and the browser's back button works.
 */
export function AccountDetail({
  initial,
  initialQr,
  canEdit,
  tab,
  tabs,
  children,
}: {
  initial: AccountSummary
  initialQr?: QrPayload
  canEdit: boolean
  tab: string
  tabs: { id: string; label: string }[]
  children: ReactNode
}) {
  const [account, setAccount] = useState(initial)
  const [qr, setQr] = useState(initialQr)
  const [pairing, setPairing] = useState<{ code: string; expiresAt: number } | undefined>()
  const [deleted, setDeleted] = useState(false)
  useRealtimeEvent(
    'dashboard.account',
    useCallback((a: AccountSummary) => setAccount((cur) => (a.id === cur.id && a.statusAt >= cur.statusAt ? a : cur)), []),
  )
  useRealtimeEvent(
    'dashboard.account_deleted',
    useCallback((p: { accountId: string }) => setDeleted((d) => d || p.accountId === initial.id), [initial.id]),
  )
  useRealtimeEvent(
    'dashboard.qr',
    useCallback((q: QrPayload) => (q.accountId === initial.id ? setQr(q) : undefined), [initial.id]),
  )
  useRealtimeEvent(
    'dashboard.pairing_code',
    useCallback(
      (p: { accountId: string; code: string; expiresAt: number }) => (p.accountId === initial.id ? setPairing(p) : undefined),
      [initial.id],
    ),
  )
  if (deleted) {
    return (
      <p className="rounded-md border border-slate-200 p-6 text-center text-sm dark:border-slate-800" data-testid="account-deleted">
        This account was deleted.{' '}
        <Link href="/accounts" className="underline">
          Back to the accounts
        </Link>
      </p>
    )
  }
  return (
    <div className="space-y-6">
      <div className="max-w-xl">
        <AccountCard account={account} qr={qr} pairing={pairing} canEdit={canEdit} />
      </div>
      <nav aria-label="Account sections" className="flex gap-1 overflow-x-auto border-b border-slate-200 dark:border-slate-800">
        {tabs.map((t) => (
          <Link
            key={t.id}
            href={`/accounts/${initial.id}?tab=${t.id}`}
            aria-current={t.id === tab ? 'page' : undefined}
            className={`-mb-px shrink-0 whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium ${t.id === tab ? 'border-emerald-600 text-slate-900 dark:text-white' : 'border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-white'}`}
          >
            {t.label}
          </Link>
        ))}
      </nav>
      <div data-account-status={account.status}>{children}</div>
    </div>
  )
}
