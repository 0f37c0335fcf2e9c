import { describe, expect, it } from 'vitest'
import { mergeViews } from './view-merge'
import type { MessageView } from './types'

const view = (over: Partial<MessageView>): MessageView => ({
  id: 'msg_1',
  waMessageId: 'WA1',
  accountId: 'shop',
  chat: { jid: '1555@s.whatsapp.net', phone: '1555', lid: null, name: null },
  direction: 'out',
  from: null,
  type: 'text',
  text: 'hi',
  content: null,
  context: null,
  reactions: [],
  status: 'queued',
  statusReason: null,
  errorCode: null,
  queuePosition: null,
  timestamp: 1000,
  createdAt: 1000,
  updatedAt: 1000,
  sentAt: null,
  deliveredAt: null,
  readAt: null,
  editedAt: null,
  deletedAt: null,
  ...over,
})

describe('merging message views that arrive out of order', () => {
  it('keeps a failure heard over the socket when the queued copy of the send action arrives after it', () => {
    const failed = view({ status: 'failed', updatedAt: 1040 })
    const items = mergeViews(mergeViews([], [failed]), [view({})])
    expect(items).toEqual([failed])
  })
  it('takes the later copy when it is newer', () => {
    const items = mergeViews([view({})], [view({ status: 'sent', updatedAt: 1010 })])
    expect(items.map((m) => m.status)).toEqual(['sent'])
  })
  it('on the same millisecond, a copy that left queued beats one that did not', () => {
    expect(mergeViews([view({ status: 'failed' })], [view({})]).map((m) => m.status)).toEqual(['failed'])
    expect(mergeViews([view({})], [view({ status: 'failed' })]).map((m) => m.status)).toEqual(['failed'])
  })
  it('adds new messages and keeps the list oldest first', () => {
    const items = mergeViews([view({ id: 'b', timestamp: 2000 })], [view({ id: 'a', timestamp: 1000 })])
    expect(items.map((m) => m.id)).toEqual(['a', 'b'])
  })
})
