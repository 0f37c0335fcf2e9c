import { createAccount, listAccounts } from '@/lib/api/operations/accounts'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(listAccounts, ({ ctx: { rt, principal } }) => ({
    data: rt.sessions
      .list()
      .filter((a) => principal.accountId === null || a.id === principal.accountId)
      .map((a) => ({ ...a, sendQueue: rt.messages.queueBrief(a.id) })),
  })),
  route(createAccount, ({ body: { apiKey, ...input }, ctx: { rt, principal } }) => {
    const account = rt.sessions.create(input)
    if (!apiKey) return account
    const issued = rt.keys.issue({ ...apiKey, name: apiKey.name ?? `${account.name} key`, accountId: account.id, createdBy: principal.id })
    return { ...account, apiKey: { ...issued.view, key: issued.key } }
  }),
)
