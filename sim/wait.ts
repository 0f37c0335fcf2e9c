import type { EventEmitter } from 'node:events'

/**
 * Resolves with `now()` if it already has a value, else with the first non-undefined `onEvent(arg)`
 * for `event`; rejects after `timeoutMs`. Always removes its listener and timer.
 */
export const waitForEvent = <T>(
  events: EventEmitter,
  event: string,
  onEvent: (arg: string) => T | undefined,
  now: () => T | undefined,
  timeoutMs: number,
  what: string,
): Promise<T> => {
  const existing = now()
  if (existing !== undefined) return Promise.resolve(existing)
  return new Promise((resolve, reject) => {
    const listener = (arg: string) => {
      const found = onEvent(arg)
      if (found === undefined) return
      clearTimeout(timer)
      events.off(event, listener)
      resolve(found)
    }
    const timer = setTimeout(() => {
      events.off(event, listener)
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
    }, timeoutMs)
    events.on(event, listener)
  })
}
