import type { ReactNode } from 'react'

export function AuthCard({ title, subtitle, children }: { title: string; subtitle?: string; children: ReactNode }) {
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <div className="mb-6 flex items-center gap-2">
          <span className="inline-block h-3 w-3 rounded-full bg-emerald-500" aria-hidden />
          <span className="text-sm font-semibold tracking-wide text-muted">WA Gateway</span>
        </div>
        <h1 className="text-lg font-semibold">{title}</h1>
        {subtitle ? <p className="mt-1 mb-4 text-sm text-slate-600 dark:text-slate-400">{subtitle}</p> : <div className="mb-4" />}
        {children}
      </div>
    </main>
  )
}
