import { describe, expect, it } from 'vitest'
import { SUBSCRIBABLE } from '@/lib/vocabulary/event-types'
import { scopesToReach } from './webhook-reach'

describe('what acting on a webhook endpoint needs beside webhooks:manage', () => {
  it('messages:read for any message event or every event, when the operation sends; admin for every account', () => {
    const sends = { sendsContent: true }
    expect(scopesToReach({ accountId: 'shop', events: ['account.status', 'account.deleted'] }, sends)).toEqual([])
    expect(scopesToReach({ accountId: 'shop', events: null }, sends)).toEqual(['messages:read'])
    for (const e of SUBSCRIBABLE.filter((t) => t.startsWith('message.')))
      expect(scopesToReach({ accountId: 'shop', events: ['account.status', e] }, sends), e).toEqual(['messages:read'])
    expect(scopesToReach({ accountId: null, events: ['account.status'] }, sends)).toEqual(['admin'])
    expect(scopesToReach({ accountId: null, events: null }, sends)).toEqual(['admin', 'messages:read'])
    // deleting or rotating a secret sends nothing: only the every-account rule applies
    expect(scopesToReach({ accountId: 'shop', events: null }, { sendsContent: false })).toEqual([])
    expect(scopesToReach({ accountId: null, events: null }, { sendsContent: false })).toEqual(['admin'])
  })
})
