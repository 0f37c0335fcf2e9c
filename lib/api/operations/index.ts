import type { Operation } from '../operation'
import { accountOperations } from './accounts'
import { apiKeyOperations } from './api-keys'
import { eventOperations } from './events'
import { mediaOperations } from './media'
import { messageOperations } from './messages'
import { systemOperations } from './system'
import { webhookOperations } from './webhooks'

/** Every operation of the API, in the order the document lists them. */
export const OPERATIONS: readonly Operation[] = [
  ...accountOperations,
  ...messageOperations,
  ...apiKeyOperations,
  ...webhookOperations,
  ...mediaOperations,
  ...eventOperations,
  ...systemOperations,
]
