'use client'

import { useState } from 'react'
import { ActionForm, type FormActionState } from '@/components/action-form'
import { Button, Field, Input } from '@/components/ui/primitives'

type Action = (prev: FormActionState, form: FormData) => Promise<FormActionState>

export function AddOperatorForm({ action }: { action: Action }) {
  return (
    <ActionForm action={action} className="grid gap-3 sm:grid-cols-2">
      {(pending) => (
        <>
          <Field label="Email">
            <Input name="email" type="email" required />
          </Field>
          <Field label="Name">
            <Input name="name" />
          </Field>
          <Field label="Role">
            <select
              name="role"
              defaultValue="viewer"
              className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900"
            >
              <option value="viewer">viewer — sees everything, changes nothing</option>
              <option value="admin">admin — full control</option>
            </select>
          </Field>
          <Field label="Initial password" hint="At least 10 characters; share it privately.">
            <Input name="password" type="password" required minLength={10} autoComplete="new-password" />
          </Field>
          <div className="sm:col-span-2">
            <Button type="submit" disabled={pending}>
              Add operator
            </Button>
          </div>
        </>
      )}
    </ActionForm>
  )
}

export function OperatorRowActions({
  id,
  email,
  disabled,
  role,
  actions,
}: {
  id: number
  email: string
  disabled: boolean
  role: 'admin' | 'viewer'
  actions: { setDisabled: Action; setRole: Action; resetPassword: Action; remove: Action }
}) {
  const otherRole = role === 'admin' ? 'viewer' : 'admin'
  const [resetting, setResetting] = useState(false)
  return (
    <div className="flex flex-wrap items-start justify-end gap-2">
      <ActionForm action={actions.setDisabled} confirm={disabled ? undefined : `Disable ${email}? Their sessions end at once.`}>
        {(pending) => (
          <>
            <input type="hidden" name="id" value={id} />
            <input type="hidden" name="disabled" value={disabled ? 'false' : 'true'} />
            <Button type="submit" variant="secondary" disabled={pending}>
              {disabled ? 'Enable' : 'Disable'}
            </Button>
          </>
        )}
      </ActionForm>
      <ActionForm
        action={actions.setRole}
        confirm={`Make ${email} ${otherRole === 'admin' ? 'an admin' : 'a viewer'}? Their sessions end at once.`}
      >
        {(pending) => (
          <>
            <input type="hidden" name="id" value={id} />
            <input type="hidden" name="role" value={otherRole} />
            <Button type="submit" variant="secondary" disabled={pending}>
              {otherRole === 'admin' ? 'Make admin' : 'Make viewer'}
            </Button>
          </>
        )}
      </ActionForm>
      {resetting ? (
        <ActionForm action={actions.resetPassword} className="flex items-start gap-2">
          {(pending) => (
            <>
              <input type="hidden" name="id" value={id} />
              <Input
                name="password"
                type="password"
                placeholder="New password"
                aria-label={`New password for ${email}`}
                required
                minLength={10}
                className="w-44"
                autoComplete="new-password"
              />
              <Button type="submit" variant="secondary" disabled={pending}>
                Save
              </Button>
              <Button type="button" variant="ghost" onClick={() => setResetting(false)}>
                Cancel
              </Button>
            </>
          )}
        </ActionForm>
      ) : (
        <Button type="button" variant="secondary" onClick={() => setResetting(true)}>
          Reset password
        </Button>
      )}
      <ActionForm action={actions.remove} confirm={`Remove ${email}? This cannot be undone.`}>
        {(pending) => (
          <>
            <input type="hidden" name="id" value={id} />
            <Button type="submit" variant="danger" disabled={pending}>
              Remove
            </Button>
          </>
        )}
      </ActionForm>
    </div>
  )
}
