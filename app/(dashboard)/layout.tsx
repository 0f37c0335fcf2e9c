import type { ReactNode } from 'react'
import { NavLinks } from '@/components/nav-links'
import { ConnectionBanner, ConnectionDot, RealtimeProvider } from '@/components/realtime/realtime-provider'
import { Button } from '@/components/ui/primitives'
import { ToastProvider } from '@/components/ui/toast'
import { requireOperatorPage } from '@/lib/auth/session'
import { signOutAction } from './actions'

export const dynamic = 'force-dynamic'

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const operator = await requireOperatorPage()
  return (
    <RealtimeProvider>
      <ToastProvider>
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 dark:focus:bg-slate-900"
        >
          Skip to content
        </a>
        <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
          <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-4 px-4 py-3">
            <span className="flex items-center gap-2 font-semibold">
              <span className="inline-block h-3 w-3 rounded-full bg-emerald-500" aria-hidden />
              WA Gateway
            </span>
            <NavLinks />
            <div className="ml-auto flex items-center gap-3">
              <ConnectionDot />
              <span className="text-sm" data-testid="current-operator">
                {operator.email}
                <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600 dark:bg-slate-800 dark:text-slate-300">
                  {operator.role}
                </span>
              </span>
              <form action={signOutAction}>
                <Button type="submit" variant="ghost">
                  Sign out
                </Button>
              </form>
            </div>
          </div>
        </header>
        <ConnectionBanner />
        <main id="main" className="mx-auto max-w-6xl px-4 py-6">
          {children}
        </main>
      </ToastProvider>
    </RealtimeProvider>
  )
}
