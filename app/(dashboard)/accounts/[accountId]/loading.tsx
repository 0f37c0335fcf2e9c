import { Skeleton } from '@/components/ui/skeleton'

/** The account page while it loads: the card, the tabs and the chat view's two panes, at their size. */
export default function Loading() {
  return (
    <div role="status" aria-label="Loading the account" data-testid="page-skeleton">
      <Skeleton className="mb-2 h-7 w-48" />
      <Skeleton className="mb-6 h-4 w-80 max-w-full" />
      <Skeleton className="mb-6 h-52 max-w-xl" />
      <Skeleton className="mb-6 h-9 w-72" />
      <div className="grid gap-0 md:grid-cols-[18rem_1fr]">
        <Skeleton className="h-[28rem] rounded-r-none" />
        <Skeleton className="hidden h-[28rem] rounded-l-none opacity-70 md:block" />
      </div>
    </div>
  )
}
