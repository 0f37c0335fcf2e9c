import { z } from 'zod'
import { defineOperation } from '../operation'
import { AccountParams } from '../schemas/accounts'
import {
  EditMessageBody,
  IdempotencyKeyHeader,
  QuerySendParams,
  SendMessageBody,
  SEND_MESSAGE_MAX_BODY_BYTES,
} from '../schemas/message-send'
import {
  ChatPage,
  CheckNumbersBody,
  ListChatsQuerySchema,
  ListMessagesQuerySchema,
  Message,
  MESSAGE_EXAMPLE,
  MessageIdParams,
  MessagePage,
  NumberChecks,
  PacingBody,
  SendQueueStatus,
} from '../schemas/messages'

const tag = 'Messages'
const send = { scope: 'messages:send' } as const
const read = { scope: 'messages:read' } as const
const manage = { scope: 'accounts:manage' } as const
/**
 * Sends, edits, deletes and cancels are audited with the key or operator that made them: the message
 * log says what happened to a message, the audit log says who asked for it. Never the text.
 */
const messageAudit = (action: string) =>
  ({
    action,
    details: ({ result }: { result: { id: string; type: string } | undefined }) =>
      result ? { messageId: result.id, type: result.type, via: 'api' } : undefined,
  }) as const

const QUEUE_EXAMPLE = {
  accountId: 'support',
  queued: 3,
  paused: false,
  pausedUntil: null,
  reason: null,
  restrictions: 0,
  pacing: { minGapMs: 1500, perMinute: 30 },
}

export const sendMessage = defineOperation({
  id: 'sendMessage',
  method: 'POST',
  path: '/accounts/{accountId}/messages',
  tag,
  summary: 'Send a message',
  description: [
    'Accepts a message into the account’s send queue and answers 202 with the stored message (`queued`, with its `queuePosition`).',
    'The queue sends in order, paced; follow the status with `GET …/messages/{messageId}`, the dashboard or webhooks.',
    'The body follows the WhatsApp Cloud API’s message object: `to`, `type`, and an object named after the type. `context.messageId` quotes an earlier message.',
    'An account that is not connected answers 503 `not_connected` and nothing is stored.',
    'An account may have at most SEND_QUEUE_ACCOUNT_LIMIT messages waiting (default 10,000, queued or on their way); past it the send answers 429 `quota_exceeded` naming the limit and nothing is stored.',
  ].join('\n\n'),
  auth: send,
  params: AccountParams,
  headers: z.object({ 'idempotency-key': IdempotencyKeyHeader.optional() }),
  body: SendMessageBody,
  // base64 media rides in the JSON body (the upload route streams instead)
  maxBodyBytes: SEND_MESSAGE_MAX_BODY_BYTES,
  bodyExample: { to: '+1 555 123 4567', type: 'text', text: { body: 'Your order shipped', previewUrl: false } },
  success: { status: 202, description: 'Accepted and queued', schema: Message, example: MESSAGE_EXAMPLE },
  errors: ['not_connected', 'not_found', 'idempotency_mismatch', 'quota_exceeded'],
  audit: messageAudit('message.send'),
})

export const sendMessageByQuery = defineOperation({
  id: 'sendMessageByQuery',
  method: 'GET',
  path: '/accounts/{accountId}/messages/send',
  tag,
  summary: 'Send a text by GET (compatibility, off by default)',
  description: [
    'For programs written for gateways that send with a GET request: `?to=…&text=…&apiKey=…`. Answers like `POST …/messages`.',
    'Served only when the gateway runs with `ALLOW_QUERY_API_KEY=true`; otherwise 404. A key in a URL ends up in browser history, proxy and server logs, so prefer the POST with an `Authorization` header.',
  ].join('\n\n'),
  noHead: true,
  authNote: 'Authenticate with `apiKey` in the query (or the usual `Authorization` header). Session cookies are not accepted here.',
  auth: send,
  params: AccountParams,
  query: QuerySendParams,
  success: { status: 202, description: 'Accepted and queued', schema: Message, example: MESSAGE_EXAMPLE },
  errors: ['not_connected', 'not_found', 'quota_exceeded'],
  audit: messageAudit('message.send'),
})

export const listMessages = defineOperation({
  id: 'listMessages',
  method: 'GET',
  path: '/accounts/{accountId}/messages',
  tag,
  summary: 'List messages',
  description: 'The account’s message log, newest first, with filters; page with `cursor`.',
  auth: read,
  params: AccountParams,
  query: ListMessagesQuerySchema,
  success: { status: 200, description: 'A page of messages', schema: MessagePage, example: { data: [MESSAGE_EXAMPLE], nextCursor: null } },
})

export const getMessage = defineOperation({
  id: 'getMessage',
  method: 'GET',
  path: '/accounts/{accountId}/messages/{messageId}',
  tag,
  summary: 'Read a message',
  description: 'By the gateway’s id or WhatsApp’s id.',
  auth: read,
  params: MessageIdParams,
  success: { status: 200, description: 'The message', schema: Message, example: MESSAGE_EXAMPLE },
})

export const editMessage = defineOperation({
  id: 'editMessage',
  method: 'PATCH',
  path: '/accounts/{accountId}/messages/{messageId}',
  tag,
  summary: 'Edit a sent text',
  description:
    'Changes the text of a text message this account sent: a queued message goes out with the new text; a sent one is edited on WhatsApp, within 15 minutes of sending.',
  auth: send,
  params: MessageIdParams,
  body: EditMessageBody,
  bodyExample: { text: 'Hi, corrected' },
  success: {
    status: 200,
    description: 'The edited message',
    schema: Message,
    example: { ...MESSAGE_EXAMPLE, status: 'sent', queuePosition: null, text: 'Hi, corrected', editedAt: 1790000060000 },
  },
  errors: ['message_not_editable', 'edit_window_expired', 'not_connected'],
  audit: messageAudit('message.edit'),
})

export const deleteMessage = defineOperation({
  id: 'deleteMessage',
  method: 'DELETE',
  path: '/accounts/{accountId}/messages/{messageId}',
  tag,
  summary: 'Delete a message for everyone',
  description:
    'Deletes a message this account sent, for everyone, within about two days of sending. A message still queued is cancelled instead (it never goes out).',
  auth: send,
  params: MessageIdParams,
  success: {
    status: 200,
    description: 'The message, marked deleted (or cancelled)',
    schema: Message,
    example: { ...MESSAGE_EXAMPLE, status: 'sent', queuePosition: null, deletedAt: 1790000060000 },
  },
  errors: ['message_not_editable', 'delete_window_expired', 'not_connected'],
  audit: messageAudit('message.delete'),
})

export const cancelMessage = defineOperation({
  id: 'cancelMessage',
  method: 'POST',
  path: '/accounts/{accountId}/messages/{messageId}/cancel',
  tag,
  summary: 'Cancel a queued message',
  auth: send,
  params: MessageIdParams,
  success: {
    status: 200,
    description: 'The message, cancelled',
    schema: Message,
    example: { ...MESSAGE_EXAMPLE, status: 'cancelled', queuePosition: null },
  },
  errors: ['not_cancellable'],
  audit: messageAudit('message.cancel'),
})

export const listChats = defineOperation({
  id: 'listChats',
  method: 'GET',
  path: '/accounts/{accountId}/chats',
  tag,
  summary: 'List chats',
  description: 'Chats with their last message, unread count and name, most recent first; page with `cursor`.',
  auth: read,
  params: AccountParams,
  query: ListChatsQuerySchema,
  success: {
    status: 200,
    description: 'A page of chats',
    schema: ChatPage,
    example: {
      data: [{ ...MESSAGE_EXAMPLE.chat, lastMessageAt: 1790000000000, unreadCount: 2, lastMessage: MESSAGE_EXAMPLE }],
      nextCursor: null,
    },
  },
})

export const checkContacts = defineOperation({
  id: 'checkContacts',
  method: 'POST',
  path: '/accounts/{accountId}/contacts/check',
  tag,
  summary: 'Check numbers on WhatsApp',
  description:
    "For up to 50 phone numbers: on WhatsApp or not, with the JID and (when WhatsApp tells) the LID. Needs a connected account. Each lookup is a question to WhatsApp on the account's behalf (many of them put the number's standing at risk), so it needs `messages:send` and each account may have at most CONTACT_CHECK_RATE_PER_MINUTE distinct valid numbers (default 60) checked per minute: a request that does not fit in what is left is refused whole with 429 `rate_limited` and `Retry-After`, and counts nothing.",
  auth: send,
  params: AccountParams,
  body: CheckNumbersBody,
  bodyExample: { phones: ['+1 555 123 4567', '+49 151 23456789'] },
  success: {
    status: 200,
    description: 'One answer per number, in the order given',
    schema: NumberChecks,
    example: {
      data: [
        { input: '+1 555 123 4567', phone: '15551234567', exists: true, jid: '15551234567@s.whatsapp.net', lid: '102030405060708@lid' },
        { input: '+49 151 23456789', phone: '4915123456789', exists: false, jid: null, lid: null },
      ],
    },
  },
  errors: ['not_connected'],
  audit: { skip: 'a lookup: it changes nothing' },
})

export const getSendQueue = defineOperation({
  id: 'getSendQueue',
  method: 'GET',
  path: '/accounts/{accountId}/queue',
  tag,
  summary: 'Read the send queue',
  description: 'How many messages wait, the pacing in force, and whether the queue is paused after repeated refusals by WhatsApp.',
  auth: read,
  params: AccountParams,
  success: { status: 200, description: 'The queue', schema: SendQueueStatus, example: QUEUE_EXAMPLE },
})

export const setSendPacing = defineOperation({
  id: 'setSendPacing',
  method: 'PATCH',
  path: '/accounts/{accountId}/queue',
  tag,
  summary: 'Set the account’s pacing',
  description: 'Minimum gap between sends and a per-minute cap for this account; null returns a setting to the gateway-wide default.',
  auth: manage,
  params: AccountParams,
  body: PacingBody,
  bodyExample: { minGapMs: 3000, perMinute: 20 },
  success: {
    status: 200,
    description: 'The queue',
    schema: SendQueueStatus,
    example: { ...QUEUE_EXAMPLE, pacing: { minGapMs: 3000, perMinute: 20 } },
  },
  audit: { action: 'queue.pacing', details: ({ body }) => ({ ...body }) },
})

export const resumeSendQueue = defineOperation({
  id: 'resumeSendQueue',
  method: 'POST',
  path: '/accounts/{accountId}/queue/resume',
  tag,
  summary: 'Resume a paused queue',
  description: 'Ends a pause after repeated refusals early; the queue sends again once the account is connected.',
  auth: manage,
  params: AccountParams,
  success: { status: 200, description: 'The queue', schema: SendQueueStatus, example: QUEUE_EXAMPLE },
  audit: { action: 'queue.resume' },
})

export const messageOperations = [
  sendMessage,
  listMessages,
  sendMessageByQuery,
  getMessage,
  editMessage,
  deleteMessage,
  cancelMessage,
  listChats,
  checkContacts,
  getSendQueue,
  setSendPacing,
  resumeSendQueue,
]
