import { z } from 'zod'
import { ACCOUNT_ID_PATTERN } from '@/lib/sessions/manager'
import { normalizePhone } from '@/lib/whatsapp/jid'

export const AccountId = z
  .string()
  .regex(ACCOUNT_ID_PATTERN, 'must be a slug: lowercase letters, digits, "-" or "_", at most 64 characters')
export const AccountParams = z.object({ accountId: AccountId })

const Name = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters')

export const CreateAccountBody = z.strictObject({ id: AccountId.optional(), name: Name })
export const UpdateAccountBody = z.strictObject({ name: Name })

export const ACCOUNT_ACTIONS = ['connect', 'disconnect', 'logout', 'reset'] as const
export const AccountActionParams = z.object({
  accountId: AccountId,
  action: z.enum(ACCOUNT_ACTIONS, `must be one of ${ACCOUNT_ACTIONS.join(', ')}`),
})

export const PairingCodeBody = z.strictObject({
  phone: z.string().transform((v, ctx) => {
    const phone = normalizePhone(v)
    if (!phone)
      ctx.addIssue({ code: 'custom', message: 'must be a phone number in international format, digits only (e.g. 4915123456789)' })
    return phone ?? ''
  }),
})
