import { describe, expect, it } from 'vitest'
import { canAdvance } from './message-status'

describe('message status moves forward only', () => {
  it('follows queued → pending → sent → delivered → read → played, skipping allowed', () => {
    expect(canAdvance('queued', 'sent')).toBe(true)
    expect(canAdvance('sent', 'delivered')).toBe(true)
    expect(canAdvance('sent', 'read')).toBe(true)
    expect(canAdvance('read', 'played')).toBe(true)
  })
  it('never goes back (late delivery receipt after read, replayed upsert)', () => {
    expect(canAdvance('read', 'delivered')).toBe(false)
    expect(canAdvance('delivered', 'sent')).toBe(false)
    expect(canAdvance('sent', 'sent')).toBe(false)
  })
  it('failed ends an undelivered message; cancelled only a queued one; both are final', () => {
    expect(canAdvance('sent', 'failed')).toBe(true)
    expect(canAdvance('queued', 'failed')).toBe(true)
    expect(canAdvance('delivered', 'failed')).toBe(false)
    expect(canAdvance('queued', 'cancelled')).toBe(true)
    expect(canAdvance('sent', 'cancelled')).toBe(false)
    expect(canAdvance('failed', 'delivered')).toBe(false)
    expect(canAdvance('cancelled', 'sent')).toBe(false)
    expect(canAdvance('received', 'read')).toBe(false)
  })
})
