import { z } from 'zod'
import { SESSION_STATUSES } from '@/lib/vocabulary/statuses'
import { ACCOUNT_ID_PATTERN } from '@/lib/sessions/account-id'
import { normalizePhone } from '@/lib/whatsapp/phone'
import { NewKeyFields } from './api-keys'

export const AccountId = z
  .string()
  .regex(ACCOUNT_ID_PATTERN, 'must be a slug: lowercase letters, digits, "-" or "_", at most 64 characters')
  .meta({ description: 'The account id (a slug)', examples: ['support'] })
export const AccountParams = z.object({ accountId: AccountId })

const Name = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters')

export const CreateAccountBody = z.strictObject({
  id: AccountId.optional(),
  name: Name.meta({ examples: ['Support line'] }),
  apiKey: z
    .strictObject({
      ...NewKeyFields.omit({ accountId: true, name: true }).shape,
      name: Name.optional().meta({ description: 'default: "<account name> key"' }),
    })
    .refine((k) => !k.scopes.includes('admin'), { error: 'an account key cannot have the admin scope', path: ['scopes'] })
    .optional()
    .meta({ description: 'Also issue a first API key for the new account (returned once, in `apiKey.key`).' }),
})
export const UpdateAccountBody = z.strictObject({ name: Name })

export const PairingCodeBody = z.strictObject({
  phone: z
    .string()
    .transform((v, ctx) => {
      const phone = normalizePhone(v)
      if (!phone)
        ctx.addIssue({ code: 'custom', message: 'must be a phone number in international format, digits only (e.g. 4915123456789)' })
      return phone ?? ''
    })
    .meta({ description: 'The phone number of the WhatsApp account to link, international format', examples: ['4915123456789'] }),
})

export const Account = z
  .object({
    id: z.string(),
    name: z.string(),
    phone: z.string().nullable(),
    jid: z.string().nullable(),
    lid: z.string().nullable(),
    pushName: z.string().nullable(),
    status: z.enum(SESSION_STATUSES),
    statusReason: z.string().nullable(),
    statusAt: z.number().int().meta({ description: 'milliseconds since the epoch' }),
    reconnectAttempts: z.number().int(),
    lastError: z.string().nullable(),
    createdAt: z.number().int().meta({ description: 'milliseconds since the epoch' }),
    sendQueue: z
      .object({
        queued: z.number().int().meta({ description: 'Messages waiting to go out' }),
        paused: z.boolean().meta({ description: 'True while sending is paused after repeated refusals by WhatsApp' }),
        pausedUntil: z.number().int().nullable().meta({ description: 'milliseconds since the epoch' }),
        reason: z.string().nullable(),
      })
      .optional()
      .meta({ description: 'The send queue (on reads of accounts); see GET /accounts/{accountId}/queue' }),
  })
  .meta({ id: 'Account' })

export const AccountList = z.object({ data: z.array(Account) }).meta({ id: 'AccountList' })

export const Qr = z
  .object({
    qr: z.string().meta({ description: 'the text to encode as a QR code' }),
    image: z.string().meta({ description: 'the QR code as a PNG data URL' }),
    expiresAt: z.iso.datetime(),
  })
  .meta({ id: 'Qr' })

export const PairingCode = z
  .object({
    code: z.string().meta({ description: 'enter it on the phone: WhatsApp → Linked devices → Link with phone number' }),
    expiresAt: z.iso.datetime(),
  })
  .meta({ id: 'PairingCode' })

export const ACCOUNT_EXAMPLE = {
  id: 'support',
  name: 'Support line',
  phone: '4915123456789',
  jid: '4915123456789:3@s.whatsapp.net',
  lid: null,
  pushName: 'Support',
  status: 'connected' as const,
  statusReason: null,
  statusAt: 1767225600000,
  reconnectAttempts: 0,
  lastError: null,
  createdAt: 1767225000000,
  sendQueue: { queued: 0, paused: false, pausedUntil: null, reason: null },
}
