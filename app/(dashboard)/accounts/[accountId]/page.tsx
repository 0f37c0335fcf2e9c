import type { Metadata } from 'next'
import Link from 'next/link'
import { notFound } from 'next/navigation'
import { AccountDetail } from '@/components/accounts/account-detail'
import { StatusTimeline } from '@/components/accounts/status-timeline'
import { ApiKeysPanel } from '@/components/keys/api-keys-panel'
import { ChatView } from '@/components/messages/chat-view'
import { AccountWebhooks } from '@/components/webhooks/account-webhooks'
import { WebhooksForAdmins } from '@/components/webhooks/admins-only'
import { Card, PageHeader } from '@/components/ui/primitives'
import { requireOperatorPage } from '@/lib/auth/session'
import { isAppError } from '@/lib/errors'
import { roleAllows } from '@/lib/keys/scopes'
import type { AccountSummary, QrPayload } from '@/lib/events/types'
import { getRuntime } from '@/lib/runtime'
import { listChatsAction, listMessagesAction, statusHistoryAction } from './actions'

export const metadata: Metadata = { title: 'Account' }
export const dynamic = 'force-dynamic'

const TABS = [
  { id: 'chats', label: 'Chats' },
  { id: 'timeline', label: 'Status timeline' },
  { id: 'keys', label: 'API keys' },
  { id: 'webhooks', label: 'Webhooks' },
]
/** Deliveries shown per endpoint on the account's Webhooks tab (the Webhooks page pages through the rest). */
const RECENT_DELIVERIES = 10

export default async function AccountPage({
  params,
  searchParams,
}: {
  params: Promise<{ accountId: string }>
  searchParams: Promise<{ tab?: string }>
}) {
  const operator = await requireOperatorPage()
  const { accountId } = await params
  const { tab: rawTab } = await searchParams
  const tab = TABS.some((t) => t.id === rawTab) ? (rawTab ?? 'chats') : 'chats'
  const { sessions, messages, keys, webhooks, recentEvents } = getRuntime()
  // Read before the data: events after this position are replayed to the page, so none falls between.
  const position = recentEvents.position()
  let account: AccountSummary
  try {
    account = sessions.get(accountId)
  } catch (err) {
    if (isAppError(err) && err.code === 'not_found') notFound()
    throw err
  }
  const isAdmin = operator.role === 'admin'
  let qr: QrPayload | undefined
  if (isAdmin && account.status === 'qr_ready') {
    try {
      qr = sessions.getQr(accountId)
    } catch {
      // expired between the read and now: the next one arrives live
    }
  }
  return (
    <>
      <PageHeader
        title={account.name}
        description={`Account ${account.id}: live status, conversations, history, keys and webhooks.`}
        actions={
          <Link href="/accounts" className="text-sm text-slate-600 underline dark:text-slate-400">
            All accounts
          </Link>
        }
      />
      <AccountDetail initial={account} initialQr={qr} canEdit={isAdmin} tab={tab} tabs={TABS}>
        {tab === 'chats' ? (
          <ChatView
            accountId={accountId}
            initialChats={messages.listChats(accountId, { limit: 50 })}
            canSend={isAdmin}
            initialStatus={account.status}
            position={position}
            initialQueue={messages.queueStatus(accountId)}
            actions={{ listChats: listChatsAction, listMessages: listMessagesAction }}
          />
        ) : tab === 'timeline' ? (
          <Card>
            <StatusTimeline accountId={accountId} initial={sessions.history(accountId, { limit: 50 })} loadHistory={statusHistoryAction} />
          </Card>
        ) : tab === 'webhooks' && !roleAllows(operator.role, 'webhooks:manage') ? (
          // as in the API: endpoint URLs and receivers' answers need webhooks:manage
          <WebhooksForAdmins />
        ) : tab === 'webhooks' ? (
          <AccountWebhooks
            account={{ id: account.id, name: account.name }}
            initial={webhooks.list(null, accountId).map((webhook) => ({
              webhook,
              deliveries: webhooks.deliveries(null, webhook.id, { limit: RECENT_DELIVERIES }).data,
            }))}
            gatewayWide={webhooks.list(null).filter((w) => w.accountId === null).length}
            position={position}
            canEdit={isAdmin}
            recent={RECENT_DELIVERIES}
          />
        ) : (
          <ApiKeysPanel
            initialKeys={keys.list(accountId)}
            accounts={[{ id: account.id, name: account.name }]}
            canEdit={isAdmin}
            accountId={accountId}
          />
        )}
      </AccountDetail>
    </>
  )
}
