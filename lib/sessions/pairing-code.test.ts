import { afterEach, describe, expect, it, vi } from 'vitest'
import { isAppError } from '@/lib/errors'
import { PairingCodeRequest } from './pairing-code'

afterEach(() => vi.useRealTimers())

describe('PairingCodeRequest', () => {
  it('is asked of WhatsApp once, and hands the code to those waiting and to those who ask later', async () => {
    const p = new PairingCodeRequest()
    expect(p.requested).toBe(false)
    expect(p.markRequested()).toBe(true)
    expect(p.markRequested()).toBe(false)
    const early = [p.wait(10_000), p.wait(10_000)]
    p.issue({ code: 'ABCD1234', expiresAt: 42 })
    expect(await Promise.all(early)).toEqual([
      { code: 'ABCD1234', expiresAt: 42 },
      { code: 'ABCD1234', expiresAt: 42 },
    ])
    expect(await p.wait(10_000)).toEqual({ code: 'ABCD1234', expiresAt: 42 })
  })

  it('rejects those waiting when the request fails, and a waiter whose time ran out with unavailable', async () => {
    vi.useFakeTimers()
    const p = new PairingCodeRequest()
    const refused = p.wait(10_000)
    p.fail(new Error('refused'))
    await expect(refused).rejects.toThrow('refused')
    const late = p.wait(1000)
    const settled = late.catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(1000)
    const err = await settled
    expect(isAppError(err) && err.code).toBe('unavailable')
  })
})
