import { cx } from './primitives'

/** A placeholder block of the size of what is loading, so the layout does not shift when it arrives. */
export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden className={cx('animate-pulse rounded-md bg-slate-200 dark:bg-slate-800', className)} />
}

/** The page-level loading state: a header and a grid of card-sized blocks. */
export function PageSkeleton({ cards = 3, label = 'Loading' }: { cards?: number; label?: string }) {
  return (
    <div role="status" aria-label={label} data-testid="page-skeleton">
      <Skeleton className="mb-2 h-7 w-48" />
      <Skeleton className="mb-6 h-4 w-80 max-w-full" />
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {Array.from({ length: cards }, (_, i) => (
          <Skeleton key={i} className="h-48" />
        ))}
      </div>
    </div>
  )
}
