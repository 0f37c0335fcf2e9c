import type { SignalDataSet, SignalDataTypeMap } from '@whiskeysockets/baileys'

type Buckets = Record<string, Record<string, unknown>>

/**
 * A SignalKeyStore whose operations complete synchronously (so callers need not await them), plus
 * `dump()` for persistence.
 */
export type MemoryKeyStore = {
  get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]): Record<string, SignalDataTypeMap[T]>
  set(data: SignalDataSet): void
  clear(): void
  /** a plain-object copy of the buckets, for persistence (serialise with BufferJSON) */
  dump(): Buckets
}

/** In-memory SignalKeyStore (Baileys only ships the file-based useMultiFileAuthState). */
export const makeMemoryKeyStore = (initial: Buckets = {}): MemoryKeyStore => {
  const data = new Map(Object.entries(initial).map(([type, bucket]) => [type, new Map(Object.entries(bucket))]))
  return {
    get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const bucket = data.get(type)
      const out: Record<string, SignalDataTypeMap[T]> = {}
      for (const id of ids) {
        const value = bucket?.get(id)
        if (value !== undefined && value !== null) out[id] = value as SignalDataTypeMap[T]
      }
      return out
    },
    set(set: SignalDataSet) {
      for (const type of Object.keys(set) as (keyof SignalDataSet)[]) {
        const values = set[type]
        if (!values) continue
        const bucket = data.get(type) ?? new Map<string, unknown>()
        data.set(type, bucket)
        for (const [id, value] of Object.entries(values)) {
          // null is Baileys' way to delete; a stray undefined is dropped the same way
          if (value == null) bucket.delete(id)
          else bucket.set(id, value)
        }
      }
    },
    clear() {
      data.clear()
    },
    dump: () => Object.fromEntries([...data].map(([type, bucket]) => [type, Object.fromEntries(bucket)])),
  }
}
