import { z } from 'zod'
import { SCOPES } from '@/lib/keys/scopes'
import { ACCOUNT_ID_PATTERN } from '@/lib/sessions/account-id'

const Scope = z.enum(SCOPES, `must be one of ${SCOPES.join(', ')}`)
const Instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2027-01-31T00:00:00Z' })

/** The fields of a new key (also used by "create an account with its first key"). */
export const NewKeyFields = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(100, 'must be at most 100 characters')
    .meta({ examples: ['CRM'] }),
  accountId: z
    .string()
    .regex(ACCOUNT_ID_PATTERN, 'must be an account id')
    .nullable()
    .meta({ description: 'the account the key acts on; null makes a gateway-wide key', examples: ['support'] }),
  scopes: z
    .array(Scope)
    .min(1, 'give at least one scope')
    .max(SCOPES.length)
    .refine((s) => new Set(s).size === s.length, 'must not repeat a scope')
    .meta({ examples: [['messages:send', 'messages:read']] }),
  expiresAt: Instant.refine((v) => Date.parse(v) > Date.now(), 'must be in the future')
    .optional()
    .meta({ description: 'when the key stops working; omitted = never', examples: ['2027-01-31T00:00:00Z'] }),
})

export const CreateApiKeyBody = NewKeyFields

export const ApiKeyId = z
  .string()
  .regex(/^key_[0-9a-f]{16}$/, 'must be an API key id (key_ followed by 16 hex digits)')
  .meta({ examples: ['key_3f9a1c0d2b7e4a61'] })
export const ApiKeyParams = z.object({ keyId: ApiKeyId })

export const ListApiKeysQuery = z.strictObject({
  accountId: z
    .string()
    .regex(ACCOUNT_ID_PATTERN, 'must be an account id')
    .optional()
    .meta({ description: 'only the keys of this account' }),
})

export const ApiKey = z
  .object({
    id: ApiKeyId,
    name: z.string(),
    prefix: z.string().meta({ description: 'the first characters of the key, to recognise it', examples: ['wag_k3j9x0q2mz'] }),
    accountId: z.string().nullable(),
    scopes: z.array(Scope),
    createdAt: z.iso.datetime(),
    createdBy: z.string().meta({ description: 'who created it: operator:<id> or api_key:<id>' }),
    lastUsedAt: z.iso.datetime().nullable().meta({ description: 'updated at most once a minute' }),
    expiresAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'ApiKey' })

export const CreatedApiKey = ApiKey.extend({
  key: z.string().meta({ description: 'the key itself: shown this once, store it now', examples: ['wag_k3j9x0q2mz_Zr8…'] }),
}).meta({ id: 'CreatedApiKey' })

export const ApiKeyList = z.object({ data: z.array(ApiKey) }).meta({ id: 'ApiKeyList' })

export const API_KEY_EXAMPLE = {
  id: 'key_3f9a1c0d2b7e4a61',
  name: 'CRM',
  prefix: 'wag_k3j9x0q2mz',
  accountId: 'support',
  scopes: ['messages:send' as const, 'messages:read' as const],
  createdAt: '2026-01-01T10:00:00.000Z',
  createdBy: 'operator:1',
  lastUsedAt: '2026-01-02T08:30:00.000Z',
  expiresAt: null,
  revokedAt: null,
}
