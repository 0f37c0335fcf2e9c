import { z } from 'zod'
import { defineOperation } from '../operation'
import {
  Account,
  ACCOUNT_EXAMPLE,
  AccountList,
  AccountParams,
  CreateAccountBody,
  PairingCode,
  PairingCodeBody,
  Qr,
  UpdateAccountBody,
} from '../schemas/accounts'
import { API_KEY_EXAMPLE, CreatedApiKey } from '../schemas/api-keys'

const tag = 'Accounts'
const read = { scope: 'accounts:read' } as const
const manage = { scope: 'accounts:manage' } as const

export const CreatedAccount = Account.extend({
  apiKey: CreatedApiKey.optional().meta({ description: 'the first key, when asked for: shown this once' }),
}).meta({ id: 'CreatedAccount' })

export const listAccounts = defineOperation({
  id: 'listAccounts',
  method: 'GET',
  path: '/accounts',
  tag,
  summary: 'List accounts',
  description: 'Every account; an account key sees only its own.',
  auth: read,
  success: { status: 200, description: 'The accounts', schema: AccountList, example: { data: [ACCOUNT_EXAMPLE] } },
})

export const createAccount = defineOperation({
  id: 'createAccount',
  method: 'POST',
  path: '/accounts',
  tag,
  summary: 'Create an account',
  description: 'Adds a WhatsApp account (not linked yet). With `apiKey`, also issues its first account key in the same call.',
  auth: { scope: 'admin' },
  body: CreateAccountBody,
  maxBodyBytes: 8 * 1024,
  bodyExample: { id: 'support', name: 'Support line', apiKey: { scopes: ['messages:send', 'messages:read'] } },
  success: {
    status: 201,
    description: 'The new account (and its first key, shown once)',
    schema: CreatedAccount,
    example: {
      ...ACCOUNT_EXAMPLE,
      phone: null,
      jid: null,
      pushName: null,
      status: 'disconnected',
      apiKey: { ...API_KEY_EXAMPLE, lastUsedAt: null, key: 'wag_k3j9x0q2mz_Zr8Qe0…' },
    },
  },
  errors: ['already_exists'],
  audit: {
    action: 'account.create',
    target: ({ result }) => result?.id,
    details: ({ result }) => (result?.apiKey ? { apiKeyId: result.apiKey.id } : undefined),
  },
})

export const getAccount = defineOperation({
  id: 'getAccount',
  method: 'GET',
  path: '/accounts/{accountId}',
  tag,
  summary: 'Read an account',
  auth: read,
  params: AccountParams,
  success: { status: 200, description: 'The account', schema: Account, example: ACCOUNT_EXAMPLE },
})

export const renameAccount = defineOperation({
  id: 'renameAccount',
  method: 'PATCH',
  path: '/accounts/{accountId}',
  tag,
  summary: 'Rename an account',
  auth: manage,
  params: AccountParams,
  body: UpdateAccountBody,
  maxBodyBytes: 4 * 1024,
  bodyExample: { name: 'Support (EU)' },
  success: { status: 200, description: 'The renamed account', schema: Account, example: { ...ACCOUNT_EXAMPLE, name: 'Support (EU)' } },
  audit: { action: 'account.rename', details: ({ body }) => ({ name: body.name }) },
})

export const deleteAccount = defineOperation({
  id: 'deleteAccount',
  method: 'DELETE',
  path: '/accounts/{accountId}',
  tag,
  summary: 'Delete an account',
  description: 'Logs the account out (unlinking the device on the phone) and removes all its data, including its API keys.',
  auth: { scope: 'admin' },
  params: AccountParams,
  success: { status: 204, description: 'Deleted' },
  audit: { action: 'account.delete' },
})

const action = (id: string, verb: string, summary: string, description: string, status: 200 | 202) =>
  defineOperation({
    id,
    method: 'POST',
    path: `/accounts/{accountId}/${verb}`,
    tag,
    summary,
    description,
    auth: manage,
    params: AccountParams,
    success: { status, description: 'The account as it is now', schema: Account, example: ACCOUNT_EXAMPLE },
    errors: ['unavailable'],
    audit: { action: `account.${verb}` },
  })

export const connectAccount = action(
  'connectAccount',
  'connect',
  'Connect (link by QR, or reconnect)',
  'Starts linking (a QR code follows) or reconnecting with the saved link. Idempotent: an account that already has a connection keeps it.',
  202,
)
export const disconnectAccount = action(
  'disconnectAccount',
  'disconnect',
  'Disconnect',
  'Closes the connection and keeps the link; it stays stopped after a restart.',
  200,
)
export const logoutAccount = action('logoutAccount', 'logout', 'Log out', 'Unlinks the device on the phone and wipes the credentials.', 200)
export const resetAccount = action('resetAccount', 'reset', 'Reset', 'Clears the reconnect counter of a failed account.', 200)

export const getQr = defineOperation({
  id: 'getQr',
  method: 'GET',
  path: '/accounts/{accountId}/qr',
  tag,
  summary: 'Current QR code',
  description: 'The QR code to scan in WhatsApp → Linked devices, while the account is linking.',
  auth: manage,
  params: AccountParams,
  success: {
    status: 200,
    description: 'The QR code',
    schema: Qr,
    example: { qr: '2@AbC…,…', image: 'data:image/png;base64,iVBORw0KGgo…', expiresAt: '2026-01-01T10:00:20.000Z' },
  },
  errors: ['no_qr', 'already_connected'],
  // who saw a QR code could link a phone to the account: every read is recorded (never the code)
  audit: { action: 'account.qr_read' },
})

export const requestPairingCode = defineOperation({
  id: 'requestPairingCode',
  method: 'POST',
  path: '/accounts/{accountId}/pairing-code',
  tag,
  summary: 'Link by pairing code',
  description:
    'Opens a connection in pairing mode and answers the 8-character code to enter on the phone. At most one request per 30 s and 5 per 10 minutes per account (each makes WhatsApp notify the phone): beyond that 429 `rate_limited` with `Retry-After`.',
  auth: manage,
  params: AccountParams,
  body: PairingCodeBody,
  maxBodyBytes: 1024,
  bodyExample: { phone: '4915123456789' },
  success: {
    status: 200,
    description: 'The code',
    schema: PairingCode,
    example: { code: 'ABCD1234', expiresAt: '2026-01-01T10:03:00.000Z' },
  },
  errors: ['already_connected', 'conflict', 'unavailable', 'rate_limited'],
  audit: { action: 'account.pairing_code', details: ({ body }) => ({ phone: body.phone }) },
})

export const accountOperations = [
  listAccounts,
  createAccount,
  getAccount,
  renameAccount,
  deleteAccount,
  connectAccount,
  disconnectAccount,
  logoutAccount,
  resetAccount,
  getQr,
  requestPairingCode,
]

export type CreatedAccountBody = z.input<typeof CreatedAccount>
