import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * Key-store writes held in memory while a piece of async work runs, then committed together with
 * something else in one transaction (lib/whatsapp/decrypt-journal.ts: a decrypt's Signal session
 * change and the plaintext it produced).
 *
 * - `run(work, also)` runs `work` in an AsyncLocalStorage context. Every `set` made inside it (Baileys
 *   commits its key transaction through our store's `set`) is held: recorded per key, visible to
 *   every reader through `read`, not written. When `work` resolves, the held entries and `also(result)`
 *   are committed by one `commit` call; when it throws, only the held entries are (what Baileys
 *   wrote before failing — its own transaction writes nothing on error, so nothing half-done is held).
 * - A write from anywhere else to a key another context holds waits until that context has
 *   committed, so it never lands on disk before (and then under) the older value it was derived
 *   from. Reads never wait.
 */
export type HeldWrites<E> = {
  /** the held value of this key, or undefined when no context holds it */
  read(key: string): { value: E } | undefined
  /**
   * Called by the store's set with its entries. Resolves true when they were held (the caller
   * writes nothing), false when the caller must write them now (it may have waited first).
   */
  hold(entries: { key: string; entry: E }[]): boolean | Promise<boolean>
  run<T>(work: () => Promise<T>, also: (result: T) => void): Promise<T>
  /** forgets everything held (the store was wiped) */
  clear(): void
}

type Hold<E> = { entries: Map<string, E>; also: (() => void)[]; finished: boolean; done: Promise<void>; resolve: () => void }

export function createHeldWrites<E>(commit: (entries: E[], also: (() => void) | undefined) => void): HeldWrites<E> {
  const als = new AsyncLocalStorage<Hold<E>>()
  const owner = new Map<string, Hold<E>>()

  const finish = (hold: Hold<E>, also: (() => void) | undefined) => {
    const alsos = also ? [...hold.also, also] : []
    try {
      if (hold.entries.size > 0 || alsos.length > 0)
        commit([...hold.entries.values()], alsos.length > 0 ? () => alsos.forEach((fn) => fn()) : undefined)
    } finally {
      hold.finished = true
      for (const key of hold.entries.keys()) if (owner.get(key) === hold) owner.delete(key)
      hold.resolve()
    }
  }

  return {
    read(key) {
      const hold = owner.get(key)
      if (!hold) return undefined
      const value = hold.entries.get(key)
      return value === undefined ? undefined : { value }
    },
    hold(entries) {
      const current = als.getStore()
      // A context that has committed already (a task queued inside it and run later) holds nothing more.
      const mine = current && !current.finished ? current : undefined
      const others = () => {
        const found = new Set<Hold<E>>()
        for (const { key } of entries) {
          const o = owner.get(key)
          if (o && o !== mine) found.add(o)
        }
        return found
      }
      const take = () => {
        // `mine` may have finished while we waited (it does not wait for writes queued inside it)
        if (!mine || mine.finished) return false
        for (const { key, entry } of entries) {
          mine.entries.set(key, entry)
          owner.set(key, mine)
        }
        return true
      }
      // the common case answers synchronously, so the store's set stays synchronous to its commit
      if (owner.size === 0 || others().size === 0) return take()
      return (async () => {
        for (let wait = others(); wait.size > 0; wait = others()) await Promise.all([...wait].map((o) => o.done))
        return take()
      })()
    },
    async run<T>(work: () => Promise<T>, also: (result: T) => void): Promise<T> {
      const outer = als.getStore()
      if (outer && !outer.finished) {
        // Nested (not something Baileys does today): part of the outer work, committed with it. A
        // second context here would wait for keys the outer one holds while the outer waits for it.
        const result = await work()
        outer.also.push(() => also(result))
        return result
      }
      let resolve: () => void = () => undefined
      const done = new Promise<void>((r) => (resolve = r))
      const hold: Hold<E> = { entries: new Map(), also: [], finished: false, done, resolve }
      let result: T
      try {
        result = await als.run(hold, work)
      } catch (err) {
        finish(hold, undefined)
        throw err
      }
      finish(hold, () => also(result))
      return result
    },
    clear() {
      for (const hold of new Set(owner.values())) {
        hold.entries.clear()
      }
      owner.clear()
    },
  }
}
