import { afterEach, describe, expect, it } from 'vitest'
import { restoreBufferKeys } from '@/lib/crypto/buffer-keys'
import { restoreLibsignalConsole } from '@/lib/whatsapp/libsignal-console'
import { captureLogs } from '../tests/support/log-capture'
import { installProcessPatches } from './process-patches'

afterEach(() => {
  restoreLibsignalConsole()
  restoreBufferKeys()
})

const SEAMS = ['fastBufferKeys', 'libsignalConsole', 'curve25519Native', 'retryCache', 'mediaCache', 'decryptJournal', 'messagesAtEmit']

describe('installProcessPatches', () => {
  it('installs the process-wide patches and logs one line saying every seam engaged, against the installed dependencies', async () => {
    const { logger, lines } = captureLogs()
    const patches = installProcessPatches({ logger, fastBufferKeys: true, jsonLogs: false })
    expect(patches).toMatchObject({ libsignalConsole: true, fastBufferKeys: true })
    const report = await patches.seams
    expect(Object.keys(report).sort()).toEqual([...SEAMS].sort())
    for (const name of SEAMS) expect({ name, ...report[name as keyof typeof report] }).toEqual({ name, engaged: true })
    const logged = lines.filter((l) => l.msg === 'dependency seams checked')
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatchObject({ level: 30, seams: report })
  })

  it('says why a seam did not engage: switched off, or installed once per process', async () => {
    const { logger, lines } = captureLogs()
    const off = installProcessPatches({ logger, fastBufferKeys: false, jsonLogs: false })
    expect(off).toMatchObject({ libsignalConsole: true, fastBufferKeys: false })
    expect((await off.seams).fastBufferKeys).toEqual({
      engaged: false,
      reason: 'switched off (CRYPTO_FAST_BUFFER_KEYS=false)',
      off: true,
    })
    // switched off is no sign of a changed dependency: still info
    expect(lines.find((l) => l.msg === 'dependency seams checked')).toMatchObject({ level: 30 })

    // a second install in the same process installs nothing more, and reports what is in place
    const again = installProcessPatches({ logger, fastBufferKeys: true, jsonLogs: false })
    expect(again).toMatchObject({ libsignalConsole: false, fastBufferKeys: true })
    const twice = installProcessPatches({ logger, fastBufferKeys: true, jsonLogs: false })
    expect(twice).toMatchObject({ libsignalConsole: false, fastBufferKeys: false })
    expect(await twice.seams).toMatchObject({ libsignalConsole: { engaged: true }, fastBufferKeys: { engaged: true } })
  })
})
