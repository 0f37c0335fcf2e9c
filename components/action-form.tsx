'use client'

import { type ReactNode, useActionState } from 'react'
import { Alert } from '@/components/ui/primitives'

export type FormActionState = { ok?: string; error?: string }

/**
 * A form bound to a server action that reports {ok | error}; shows the outcome beside the form.
 * `confirm` asks before submitting destructive actions.
 */
export function ActionForm({
  action,
  children,
  confirm,
  className,
}: {
  action: (prev: FormActionState, form: FormData) => Promise<FormActionState>
  children: (pending: boolean) => ReactNode
  confirm?: string
  className?: string
}) {
  const [state, formAction, pending] = useActionState(action, {})
  return (
    <form
      action={formAction}
      className={className}
      onSubmit={(e) => {
        if (confirm && !window.confirm(confirm)) e.preventDefault()
      }}
    >
      {children(pending)}
      {state.error ? (
        <div className="mt-2">
          <Alert>{state.error}</Alert>
        </div>
      ) : null}
      {state.ok ? (
        <div className="mt-2">
          <Alert kind="success">{state.ok}</Alert>
        </div>
      ) : null}
    </form>
  )
}
