import { spendContactChecks } from '@/lib/api/limits'
import { checkContacts } from '@/lib/api/operations/messages'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(checkContacts, async ({ params, body, ctx }) => ({
    data: await ctx.rt.messages.checkNumbers(params.accountId, body.phones, {
      spend: (numbers) => spendContactChecks(ctx.rt.apiLimits.contactChecks, params.accountId, numbers),
    }),
  })),
)
