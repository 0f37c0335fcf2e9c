'use client'

import Link from 'next/link'
import { usePathname } from 'next/navigation'

const LINKS = [
  { href: '/accounts', label: 'Accounts' },
  { href: '/messages', label: 'Messages' },
  { href: '/webhooks', label: 'Webhooks' },
  { href: '/keys', label: 'API keys' },
  { href: '/events', label: 'Events' },
  { href: '/operators', label: 'Operators' },
  { href: '/system', label: 'System' },
]

export function NavLinks() {
  const pathname = usePathname()
  return (
    <nav aria-label="Main" className="flex gap-1 overflow-x-auto">
      {LINKS.map((l) => {
        const active = pathname === l.href || pathname.startsWith(`${l.href}/`)
        return (
          <Link
            key={l.href}
            href={l.href}
            aria-current={active ? 'page' : undefined}
            className={`shrink-0 whitespace-nowrap rounded-md px-3 py-1.5 text-sm font-medium ${active ? 'bg-slate-900 text-white dark:bg-slate-100 dark:text-slate-900' : 'text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800'}`}
          >
            {l.label}
          </Link>
        )
      })}
    </nav>
  )
}
