import type { Operation } from '../operation'
import { accountOperations } from './accounts'
import { apiKeyOperations } from './api-keys'
import { systemOperations } from './system'
import { webhookOperations } from './webhooks'

/** Every operation of the API, in the order the document lists them. */
export const OPERATIONS: readonly Operation[] = [...accountOperations, ...apiKeyOperations, ...webhookOperations, ...systemOperations]
