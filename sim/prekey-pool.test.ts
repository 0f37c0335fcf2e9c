import { describe, expect, it } from 'vitest'
import { PreKeyPool } from './prekey-pool'

const key = (n: number) => Buffer.alloc(32, n)

describe('PreKeyPool', () => {
  it('hands out pre-keys oldest first, once each, and survives pack/unpack', () => {
    const pool = new PreKeyPool()
    pool.add([
      { id: 1, publicKey: key(1) },
      { id: 2, publicKey: key(2) },
    ])
    expect(pool.take()).toEqual({ keyId: 1, publicKey: key(1) })
    pool.add([{ id: 70000, publicKey: key(3) }])
    const restored = new PreKeyPool(pool.pack())
    expect(restored.size).toBe(2)
    expect(restored.take()?.keyId).toBe(2)
    expect(restored.take()?.keyId).toBe(70000)
    expect(restored.take()).toBeUndefined()
    expect(restored.size).toBe(0)
  })
})
