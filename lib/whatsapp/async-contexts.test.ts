import { AsyncLocalStorage } from 'node:async_hooks'
import { addTransactionCapability } from '@whiskeysockets/baileys'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { withCapturedAsyncContexts } from './async-contexts'

describe('withCapturedAsyncContexts', () => {
  it('captures the AsyncLocalStorage Baileys creates for a key store, and puts the builtin back', async () => {
    const store = { get: async () => ({}), set: async () => {} }
    const { value: keys, captured } = withCapturedAsyncContexts(() =>
      addTransactionCapability(store, pino({ level: 'silent' }), { maxCommitRetries: 1, delayBetweenTriesMs: 1 }),
    )
    expect(captured).toHaveLength(1)
    expect(captured[0]).toBeInstanceOf(AsyncLocalStorage)
    // The captured instance is the one Baileys uses: inside a transaction it holds the context…
    let inside = false
    await keys.transaction(async () => {
      inside = captured[0]?.getStore() !== undefined
    }, 'k')
    expect(inside).toBe(true)
    // …and outside the capture, new instances are plain again.
    expect(Object.getPrototypeOf(new AsyncLocalStorage())).toBe(AsyncLocalStorage.prototype)
    const { captured: none } = withCapturedAsyncContexts(() => 1)
    expect(none).toHaveLength(0)
  })

  it('a disabled instance no longer holds a store, and the transaction still completes', async () => {
    const writes: unknown[] = []
    const store = {
      get: async () => ({}),
      set: async (d: unknown) => {
        writes.push(d)
      },
    }
    const { value: keys, captured } = withCapturedAsyncContexts(() =>
      addTransactionCapability(store, pino({ level: 'silent' }), { maxCommitRetries: 1, delayBetweenTriesMs: 1 }),
    )
    for (const als of captured) als.disable()
    await keys.set({ session: { a: new Uint8Array([1]) } })
    expect(writes).toHaveLength(1)
  })
})
