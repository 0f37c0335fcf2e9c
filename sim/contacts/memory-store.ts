import type { SignalDataSet, SignalDataTypeMap, SignalKeyStore } from '@whiskeysockets/baileys'

type Buckets = Record<string, Record<string, unknown>>

export type MemoryKeyStore = SignalKeyStore & {
  /** the raw buckets, for persistence (serialise with BufferJSON) */
  dump(): Buckets
}

/** In-memory SignalKeyStore (Baileys only ships the file-based useMultiFileAuthState). */
export const makeMemoryKeyStore = (initial: Buckets = {}): MemoryKeyStore => {
  const data: Buckets = initial
  return {
    get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const bucket = data[type] ?? {}
      const out: Record<string, SignalDataTypeMap[T]> = {}
      for (const id of ids) {
        const value = bucket[id]
        if (value !== undefined && value !== null) out[id] = value as SignalDataTypeMap[T]
      }
      return out
    },
    set(set: SignalDataSet) {
      for (const [type, values] of Object.entries(set)) {
        if (!values) continue
        const bucket = (data[type] ??= {})
        for (const [id, value] of Object.entries(values as Record<string, unknown>)) {
          if (value === null || value === undefined) delete bucket[id]
          else bucket[id] = value
        }
      }
    },
    clear() {
      for (const key of Object.keys(data)) delete data[key]
    },
    dump: () => data,
  }
}
