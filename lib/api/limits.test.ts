import { describe, expect, it } from 'vitest'
import { isAppError } from '@/lib/errors'
import { createMemoryApiLimits, DEFAULT_API_LIMITS, spendContactChecks } from './limits'

describe('the contact-check budget', () => {
  it('takes a request whole or not at all: a refused one counts nothing', async () => {
    const { contactChecks } = createMemoryApiLimits({ ...DEFAULT_API_LIMITS, contactChecksPerMinute: 5 })
    expect(await contactChecks.take('shop', 3)).toMatchObject({ allowed: true, remaining: 2 })
    expect(await contactChecks.take('shop', 3)).toMatchObject({ allowed: false, remaining: 2 })
    expect(await contactChecks.take('shop', 2)).toMatchObject({ allowed: true, remaining: 0 })
    expect(await contactChecks.take('other', 5)).toMatchObject({ allowed: true })
  })

  it('answers 429 rate_limited with Retry-After past the budget, and 422 for a batch that can never fit', async () => {
    const { contactChecks } = createMemoryApiLimits({ ...DEFAULT_API_LIMITS, contactChecksPerMinute: 5 })
    await spendContactChecks(contactChecks, 'shop', 4)
    const refusal = await spendContactChecks(contactChecks, 'shop', 2).catch((e: unknown) => e)
    expect(isAppError(refusal) && [refusal.code, refusal.retryAfter !== undefined && refusal.retryAfter <= 60]).toEqual([
      'rate_limited',
      true,
    ])
    const never = await spendContactChecks(contactChecks, 'other', 6).catch((e: unknown) => e)
    expect(isAppError(never) && never.code).toBe('validation_failed')
  })
})
