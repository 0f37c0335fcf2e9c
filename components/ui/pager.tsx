'use client'

import { type ReactNode, useState } from 'react'
import { Button } from './primitives'

/** Client-side pages of a list already loaded: the slice to show and the controls under it. */
export function usePager<T>(items: T[], size = 25): { page: T[]; controls: ReactNode } {
  const [index, setIndex] = useState(0)
  const pages = Math.max(1, Math.ceil(items.length / size))
  const current = Math.min(index, pages - 1)
  const controls =
    pages > 1 ? (
      <nav
        aria-label="Pages"
        className="flex items-center justify-between border-t border-slate-200 px-4 py-2 text-sm dark:border-slate-800"
      >
        <Button variant="ghost" disabled={current === 0} onClick={() => setIndex(current - 1)}>
          Previous
        </Button>
        <span data-testid="pager-position">
          Page {current + 1} of {pages}
        </span>
        <Button variant="ghost" disabled={current >= pages - 1} onClick={() => setIndex(current + 1)}>
          Next
        </Button>
      </nav>
    ) : null
  return { page: items.slice(current * size, (current + 1) * size), controls }
}
