import type { Metadata } from 'next'
import { ApiKeysPanel } from '@/components/keys/api-keys-panel'
import { PageHeader } from '@/components/ui/primitives'
import { requireOperatorPage } from '@/lib/auth/session'
import { getRuntime } from '@/lib/runtime'

export const metadata: Metadata = { title: 'API keys' }
export const dynamic = 'force-dynamic'

export default async function KeysPage() {
  const operator = await requireOperatorPage()
  const { keys, sessions } = getRuntime()
  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys let programs call the REST API. An account key acts on its account only; a gateway-wide key on every account. The key is shown once, when it is created."
      />
      <ApiKeysPanel
        initialKeys={keys.list(null)}
        accounts={sessions.list().map((a) => ({ id: a.id, name: a.name }))}
        canEdit={operator.role === 'admin'}
      />
    </>
  )
}
