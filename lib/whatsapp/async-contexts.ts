import asyncHooks, { type AsyncLocalStorage } from 'node:async_hooks'
import { syncBuiltinESMExports } from 'node:module'

/**
 * Captures the AsyncLocalStorage instances that `fn` creates synchronously, so their owner can
 * `disable()` them when it is done with them.
 *
 * Why (Baileys issue #2806, open): makeWASocket creates one AsyncLocalStorage per socket (addTransactionCapability) and
 * never disables it. On Node 20, every enabled instance stays in a process-wide list that is walked on
 * every promise the process creates, for as long as the process lives — so the cost of each promise
 * grows with the number of sockets ever opened (every reconnect adds one). Profiled in the sessions
 * benchmark: at 400 accounts, 39% of the restart's CPU was async_hooks propagation, and each login
 * cost 2× what it cost at 200. Disabling a socket's instance when the socket ends removes it from
 * that list (the instance of a dead socket has no store to keep).
 *
 * How: while fn runs, the builtin's AsyncLocalStorage export (and, through syncBuiltinESMExports,
 * every ESM import binding of it) is a subclass that records new instances; it is put back before
 * this returns. If that cannot be done, nothing is captured and fn still runs: slower, never wrong.
 */
export function withCapturedAsyncContexts<T>(fn: () => T): { value: T; captured: AsyncLocalStorage<unknown>[] } {
  const captured: AsyncLocalStorage<unknown>[] = []
  const hooks = asyncHooks as { AsyncLocalStorage: typeof AsyncLocalStorage }
  const Original = hooks.AsyncLocalStorage
  class Tracked<S> extends Original<S> {
    constructor() {
      super()
      captured.push(this)
    }
  }
  let patched = false
  try {
    hooks.AsyncLocalStorage = Tracked
    syncBuiltinESMExports()
    patched = true
  } catch {
    // read-only export on some future Node: run uncaptured
  }
  try {
    return { value: fn(), captured }
  } finally {
    if (patched) {
      hooks.AsyncLocalStorage = Original
      syncBuiltinESMExports()
    }
  }
}
