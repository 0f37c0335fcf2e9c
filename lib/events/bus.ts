import { EventEmitter } from 'node:events'
import type { Logger } from '@/lib/logger'
import type { DomainEventName, DomainEvents } from './types'

export type Listener<K extends DomainEventName> = (payload: DomainEvents[K]) => void

/**
 * A typed, synchronous in-process event bus. A listener that throws is logged and does not stop
 * the other listeners or the emitter (a broken dashboard push must never break a session).
 */
export class EventBus {
  private readonly emitter = new EventEmitter()

  constructor(private readonly logger?: Logger) {
    this.emitter.setMaxListeners(0)
  }

  emit<K extends DomainEventName>(name: K, payload: DomainEvents[K]): void {
    for (const listener of this.emitter.listeners(name)) {
      try {
        ;(listener as Listener<K>)(payload)
      } catch (err) {
        this.logger?.error({ err, event: name }, 'event listener failed')
      }
    }
  }

  on<K extends DomainEventName>(name: K, listener: Listener<K>): () => void {
    this.emitter.on(name, listener)
    return () => this.emitter.off(name, listener)
  }

  /**
   * Resolves with the first event of `name` that matches; rejects after `timeoutMs`, or at once when
   * `signal` aborts (the listener and timer are removed either way).
   */
  waitFor<K extends DomainEventName>(
    name: K,
    match: (p: DomainEvents[K]) => boolean = () => true,
    timeoutMs = 10_000,
    signal?: AbortSignal,
  ): Promise<DomainEvents[K]> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer)
        off()
        signal?.removeEventListener('abort', onAbort)
      }
      const onAbort = () => {
        done()
        reject(new Error(`stopped waiting for ${name}`))
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${name}`))
      }, timeoutMs)
      const off = this.on(name, (p) => {
        if (!match(p)) return
        done()
        resolve(p)
      })
      if (signal?.aborted) onAbort()
      else signal?.addEventListener('abort', onAbort, { once: true })
    })
  }
}
