import type { SessionStatus } from '@/lib/vocabulary/statuses'

const STYLES: Record<SessionStatus, string> = {
  connected: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/60 dark:text-emerald-200',
  connecting: 'bg-sky-100 text-sky-800 dark:bg-sky-900/60 dark:text-sky-200',
  qr_ready: 'bg-violet-100 text-violet-800 dark:bg-violet-900/60 dark:text-violet-200',
  pairing_code_ready: 'bg-violet-100 text-violet-800 dark:bg-violet-900/60 dark:text-violet-200',
  reconnecting: 'bg-amber-100 text-amber-800 dark:bg-amber-900/60 dark:text-amber-200',
  disconnected: 'bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300',
  logged_out: 'bg-slate-200 text-slate-800 dark:bg-slate-700 dark:text-slate-200',
  failed: 'bg-red-100 text-red-800 dark:bg-red-900/60 dark:text-red-200',
}

export function StatusBadge({ status }: { status: SessionStatus }) {
  return (
    <span
      data-testid="status-badge"
      data-status={status}
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ${STYLES[status]}`}
    >
      {status.replace(/_/g, ' ')}
    </span>
  )
}
