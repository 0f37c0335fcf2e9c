'use client'

import { useActionState } from 'react'
import { Alert, Button, Field, Input } from '@/components/ui/primitives'
import { setupAction, type SetupState } from './actions'

export function SetupForm({ needsToken, token }: { needsToken: boolean; token: string }) {
  const [state, action, pending] = useActionState<SetupState, FormData>(setupAction, {})
  return (
    <form action={action} className="space-y-4">
      {state.error ? <Alert>{state.error}</Alert> : null}
      {needsToken ? (
        <Field label="Setup token" hint="Printed in the server's log at start, and stored in the setup-token file in DATA_DIR.">
          <Input name="token" required autoComplete="off" defaultValue={state.values?.token ?? token} />
        </Field>
      ) : null}
      <Field label="Name">
        <Input name="name" required autoComplete="name" defaultValue={state.values?.name} />
      </Field>
      <Field label="Email">
        <Input name="email" type="email" required autoComplete="username" defaultValue={state.values?.email} />
      </Field>
      <Field label="Password" hint="At least 10 characters.">
        <Input name="password" type="password" required minLength={10} autoComplete="new-password" />
      </Field>
      <Field label="Confirm password">
        <Input name="confirm" type="password" required minLength={10} autoComplete="new-password" />
      </Field>
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? 'Creating…' : 'Create admin account'}
      </Button>
    </form>
  )
}
