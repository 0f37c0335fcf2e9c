import { MessageRetryManager, proto } from '@whiskeysockets/baileys'
import pino from 'pino'
import { describe, expect, it, vi } from 'vitest'
import { dropRetryCachePurgeTimers, probeRetryCache } from './retry-cache'

const logger = pino({ level: 'silent' })
const TO = '15550001@s.whatsapp.net'
/** timers of a minute or more started while `work` runs (lru-cache unrefs them, so they are not in getActiveResourcesInfo) */
function longTimersDuring(work: () => void): number {
  const spy = vi.spyOn(globalThis, 'setTimeout')
  try {
    work()
    return spy.mock.calls.filter(([, ms]) => typeof ms === 'number' && ms >= 60_000).length
  } finally {
    spy.mockRestore()
  }
}
const message = (i: number) => proto.Message.fromObject({ conversation: `message ${i}` })

describe("dropRetryCachePurgeTimers (Baileys' recent-message cache without a timer per message)", () => {
  it('Baileys as published: every cached message starts a 5-minute timer (what this replaces)', () => {
    const manager = new MessageRetryManager(logger, 5)
    expect(
      longTimersDuring(() => {
        for (let i = 0; i < 50; i++) manager.addRecentMessage(TO, `ID${i}`, message(i))
      }),
    ).toBe(50)
    // the entries go, and with them their timers
    ;(manager as unknown as { recentMessagesMap: { clear(): void } }).recentMessagesMap.clear()
  })

  it('after the swap: no timer per message, and the cache answers, evicts and expires as before', () => {
    const manager = new MessageRetryManager(logger, 5)
    expect(dropRetryCachePurgeTimers({ messageRetryManager: manager })).toEqual({ engaged: true })
    expect(
      longTimersDuring(() => {
        for (let i = 0; i < 600; i++) manager.addRecentMessage(TO, `ID${i}`, message(i))
      }),
    ).toBe(0)

    // a retry receipt for a recent message is answered from memory
    expect(manager.getRecentMessage(TO, 'ID599')?.message.conversation).toBe('message 599')
    // 512 kept, the oldest evicted, and Baileys' id index follows the evictions (its dispose callback)
    expect(manager.getRecentMessage(TO, 'ID0')).toBeUndefined()
    expect(manager.getRecentMessage(TO, 'ID88')?.message.conversation).toBe('message 88')
    const internals = manager as unknown as {
      recentMessagesMap: { size: number; ttl: number; ttlAutopurge: boolean; getRemainingTTL(k: string): number }
      messageKeyIndex: Map<string, string>
    }
    expect(internals.recentMessagesMap.size).toBe(512)
    expect(internals.messageKeyIndex.size).toBe(512)
    expect(internals.messageKeyIndex.has('ID0')).toBe(false)
    // still a 5-minute lifetime, checked when read instead of by a timer
    expect(internals.recentMessagesMap.ttlAutopurge).toBe(false)
    expect(internals.recentMessagesMap.ttl).toBe(5 * 60 * 1000)
    const key = internals.messageKeyIndex.get('ID599') ?? ''
    expect(internals.recentMessagesMap.getRemainingTTL(key)).toBeGreaterThan(5 * 60 * 1000 - 5000)
  })

  it('changes nothing when Baileys has another shape (no manager, cache off, a cache already in use)', () => {
    expect(dropRetryCachePurgeTimers({})).toEqual({ engaged: false, reason: 'the socket has no messageRetryManager' })
    expect(dropRetryCachePurgeTimers({ messageRetryManager: null })).toMatchObject({ engaged: false })
    expect(dropRetryCachePurgeTimers({ messageRetryManager: { recentMessagesMap: new Map() } })).toMatchObject({
      engaged: false,
      reason: expect.stringContaining('not an lru-cache') as unknown,
    })
    const busy = new MessageRetryManager(logger, 5)
    busy.addRecentMessage(TO, 'X', message(1))
    const cache = (busy as unknown as { recentMessagesMap: unknown }).recentMessagesMap
    expect(dropRetryCachePurgeTimers({ messageRetryManager: busy })).toEqual({
      engaged: false,
      reason: 'recentMessagesMap already holds messages',
    })
    expect((busy as unknown as { recentMessagesMap: unknown }).recentMessagesMap).toBe(cache)
    ;(cache as { clear(): void }).clear()
  })

  it('the start-time check: the installed Baileys keeps the cache by default and its retry manager takes the swap', () => {
    expect(probeRetryCache()).toEqual({ engaged: true })
  })
})
