import type { Metadata } from 'next'
import Link from 'next/link'
import { AddOperatorForm, OperatorRowActions } from '@/components/operators/operator-forms'
import { Card, PageHeader, ScrollRegion } from '@/components/ui/primitives'
import { requireOperatorPage } from '@/lib/auth/session'
import { listAllOperators } from '@/lib/operators/operators'
import { getRuntime } from '@/lib/runtime'
import {
  createOperatorAction,
  removeOperatorAction,
  resetPasswordAction,
  setOperatorDisabledAction,
  setOperatorRoleAction,
} from './actions'

export const metadata: Metadata = { title: 'Operators' }
export const dynamic = 'force-dynamic'

const PAGE_SIZE = 25

export default async function OperatorsPage({ searchParams }: { searchParams: Promise<{ page?: string }> }) {
  const me = await requireOperatorPage()
  const isAdmin = me.role === 'admin'
  const all = listAllOperators({ db: getRuntime().db })
  const pages = Math.max(1, Math.ceil(all.length / PAGE_SIZE))
  const requested = Number((await searchParams).page)
  const page = Number.isInteger(requested) && requested >= 1 ? Math.min(requested, pages) : 1
  const operators = all.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE)
  return (
    <>
      <PageHeader title="Operators" description="People who can sign in to this dashboard. Viewers see everything and change nothing." />
      {isAdmin ? (
        <Card className="mb-6">
          <h2 className="mb-3 text-sm font-semibold">Add an operator</h2>
          <AddOperatorForm action={createOperatorAction} />
        </Card>
      ) : null}
      <Card className="p-0">
        <ScrollRegion label="Operators">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 text-xs uppercase text-muted dark:border-slate-800">
              <tr>
                <th className="px-4 py-2">Email</th>
                <th className="px-4 py-2">Name</th>
                <th className="px-4 py-2">Role</th>
                <th className="px-4 py-2">Status</th>
                <th className="px-4 py-2">Last sign-in</th>
                {isAdmin ? <th className="px-4 py-2 text-right">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {operators.map((op) => (
                <tr
                  key={op.id}
                  className="border-b border-slate-100 last:border-0 dark:border-slate-800"
                  data-testid="operator-row"
                  data-email={op.email}
                >
                  <td className="px-4 py-2 font-medium">
                    {op.email}
                    {op.id === me.id ? <span className="ml-2 text-xs text-muted">(you)</span> : null}
                  </td>
                  <td className="px-4 py-2">{op.name}</td>
                  <td className="px-4 py-2">{op.role}</td>
                  <td className="px-4 py-2">{op.disabled ? <span className="text-red-700 dark:text-red-300">disabled</span> : 'active'}</td>
                  <td className="px-4 py-2 text-muted">
                    {op.lastLoginAt ? new Date(op.lastLoginAt).toISOString().replace('T', ' ').slice(0, 16) : '—'}
                  </td>
                  {isAdmin ? (
                    <td className="px-4 py-2">
                      {op.id === me.id ? null : (
                        <OperatorRowActions
                          id={op.id}
                          email={op.email}
                          disabled={op.disabled}
                          role={op.role}
                          actions={{
                            setDisabled: setOperatorDisabledAction,
                            setRole: setOperatorRoleAction,
                            resetPassword: resetPasswordAction,
                            remove: removeOperatorAction,
                          }}
                        />
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
        {pages > 1 ? (
          <nav
            aria-label="Pages"
            className="flex items-center justify-between border-t border-slate-200 px-4 py-2 text-sm dark:border-slate-800"
          >
            {page > 1 ? (
              <Link href={`/operators?page=${page - 1}`} className="underline">
                Previous
              </Link>
            ) : (
              <span />
            )}
            <span>
              Page {page} of {pages}
            </span>
            {page < pages ? (
              <Link href={`/operators?page=${page + 1}`} className="underline">
                Next
              </Link>
            ) : (
              <span />
            )}
          </nav>
        ) : null}
      </Card>
    </>
  )
}
