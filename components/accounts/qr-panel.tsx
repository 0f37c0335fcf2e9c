'use client'

import { useNow } from '@/components/ui/use-now'
import type { ReactNode } from 'react'
import type { QrPayload } from '@/lib/events/types'

function useSecondsLeft(expiresAt: number): number {
  const now = useNow(1000)
  return Math.max(0, Math.ceil((expiresAt - now) / 1000))
}

export function QrPanel({ qr, children }: { qr: QrPayload; children?: ReactNode }) {
  const left = useSecondsLeft(qr.expiresAt)
  return (
    <div
      className="mt-3 flex flex-col items-center gap-2 rounded-md border border-slate-200 p-3 dark:border-slate-700"
      data-testid="qr-panel"
    >
      {/* eslint-disable-next-line @next/next/no-img-element -- a data: URL, nothing to optimise */}
      <img
        src={qr.image}
        alt="QR code to link this account"
        width={224}
        height={224}
        className="rounded bg-white p-1"
        data-testid="qr-image"
      />
      <p className="text-center text-xs text-slate-600 dark:text-slate-400">
        On the phone: WhatsApp → Settings → Linked devices → Link a device, then scan.
        <br />
        <span data-testid="qr-countdown">{left > 0 ? `Refreshes in ${left} s` : 'Waiting for a new code…'}</span>
      </p>
      {children}
    </div>
  )
}

export function PairingCodePanel({ code, expiresAt }: { code: string; expiresAt: number }) {
  const left = useSecondsLeft(expiresAt)
  const pretty = code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code
  return (
    <div className="mt-3 rounded-md border border-slate-200 p-3 text-center dark:border-slate-700">
      <p className="text-xs text-slate-600 dark:text-slate-400">
        On the phone: Linked devices → Link a device → Link with phone number instead, then enter
      </p>
      <p className="my-2 font-mono text-2xl font-semibold tracking-widest" data-testid="pairing-code" data-code={code}>
        {pretty}
      </p>
      <p className="text-xs text-muted">{left > 0 ? `Valid for about ${left} s` : 'Expired'}</p>
    </div>
  )
}
