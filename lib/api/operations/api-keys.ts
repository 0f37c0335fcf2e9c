import { defineOperation } from '../operation'
import { API_KEY_EXAMPLE, ApiKey, ApiKeyList, ApiKeyParams, CreateApiKeyBody, CreatedApiKey, ListApiKeysQuery } from '../schemas/api-keys'

const tag = 'API keys'

export const createApiKey = defineOperation({
  id: 'createApiKey',
  method: 'POST',
  path: '/api-keys',
  tag,
  summary: 'Create an API key',
  description:
    'Issues a key for one account (`accountId`) or for the whole gateway (`accountId: null`). The answer holds the key itself, shown this once: only its prefix and a hash are stored.',
  auth: { scope: 'admin' },
  body: CreateApiKeyBody,
  maxBodyBytes: 4 * 1024,
  bodyExample: { name: 'CRM', accountId: 'support', scopes: ['messages:send', 'messages:read'], expiresAt: '2027-01-31T00:00:00Z' },
  success: {
    status: 201,
    description: 'The new key, with the key itself (shown once)',
    schema: CreatedApiKey,
    example: { ...API_KEY_EXAMPLE, lastUsedAt: null, key: 'wag_k3j9x0q2mz_Zr8Qe0…' },
  },
  audit: {
    action: 'api_key.create',
    target: ({ result }) => result?.id,
    details: ({ result }) => (result ? { prefix: result.prefix, accountId: result.accountId, scopes: result.scopes } : undefined),
  },
})

export const listApiKeys = defineOperation({
  id: 'listApiKeys',
  method: 'GET',
  path: '/api-keys',
  tag,
  summary: 'List API keys',
  description: 'Prefix, name, account, scopes and dates of every key (never the keys). An account key sees its own account’s keys.',
  auth: { scope: 'accounts:read' },
  query: ListApiKeysQuery,
  success: { status: 200, description: 'The keys', schema: ApiKeyList, example: { data: [API_KEY_EXAMPLE] } },
})

export const revokeApiKey = defineOperation({
  id: 'revokeApiKey',
  method: 'DELETE',
  path: '/api-keys/{keyId}',
  tag,
  summary: 'Revoke an API key',
  description: 'The key stops working at once, for every request after this one. Revoking a revoked key answers the same.',
  auth: { scope: 'admin' },
  params: ApiKeyParams,
  success: {
    status: 200,
    description: 'The revoked key',
    schema: ApiKey,
    example: { ...API_KEY_EXAMPLE, revokedAt: '2026-01-03T09:00:00.000Z' },
  },
  audit: { action: 'api_key.revoke', target: ({ params }) => params.keyId },
})

export const apiKeyOperations = [createApiKey, listApiKeys, revokeApiKey]
