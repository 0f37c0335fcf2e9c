import { bufferKeysInstalled, fastBufferKeys } from '@/lib/crypto/buffer-keys'
import type { Logger } from '@/lib/logger'
import { libsignalConsoleRouted, routeLibsignalConsole } from '@/lib/whatsapp/libsignal-console'
import { ENGAGED, notEngaged, type SeamState } from '@/lib/whatsapp/seam-state'
import { type BaileysSeams, probeBaileysSeams } from '@/lib/whatsapp/seams'

/** Every seam and whether it engaged: the `seams` field of the start log line 'dependency seams checked'. */
export type SeamReport = { fastBufferKeys: SeamState; libsignalConsole: SeamState } & BaileysSeams

export type ProcessPatches = {
  /** installed by this call (false when switched off, or already installed in this process) */
  fastBufferKeys: boolean
  libsignalConsole: boolean
  /** every seam's state as logged once the start-time probes ran (a few ms); never rejects */
  seams: Promise<SeamReport>
}

/**
 * The work-arounds for dependencies the gateway runs unmodified (docs/upstream.md lists each, with
 * its canary test and when it can go). The process-wide ones are installed here, synchronously,
 * before any WhatsApp socket opens:
 * - libsignal's console narration (whole Signal sessions, private keys included) goes through the
 *   logger with the sessions reduced to harmless facts (lib/whatsapp/libsignal-console.ts); always on.
 *   With JSON logs every other console line becomes a log line too, so stdout stays one JSON object
 *   a line;
 * - Node 24's slow byte-key check in createHmac/createCipheriv (lib/crypto/buffer-keys.ts), unless
 *   CRYPTO_FAST_BUFFER_KEYS=false.
 * Then the others are checked against the installed Baileys and libsignal (lib/whatsapp/seams.ts),
 * and one line, 'dependency seams checked', says for every seam whether it engaged and why not: at
 * info, or at warn when one did not engage for any reason but its switch. Installing twice in one
 * process installs nothing more.
 */
export function installProcessPatches(opts: { logger: Logger; fastBufferKeys: boolean; jsonLogs: boolean }): ProcessPatches {
  const libsignalConsole = routeLibsignalConsole(opts.logger, { everything: opts.jsonLogs })
  const fast = opts.fastBufferKeys && fastBufferKeys()
  const processWide = {
    libsignalConsole: libsignalConsoleRouted() ? ENGAGED : notEngaged('not installed'),
    fastBufferKeys: bufferKeysInstalled()
      ? ENGAGED
      : opts.fastBufferKeys
        ? notEngaged('not installed')
        : notEngaged('switched off (CRYPTO_FAST_BUFFER_KEYS=false)', { off: true }),
  }
  const seams = probeBaileysSeams().then((baileys) => {
    const report: SeamReport = { ...processWide, ...baileys }
    const changed = Object.values(report).some((s) => !s.engaged && !s.off)
    opts.logger[changed ? 'warn' : 'info']({ seams: report }, 'dependency seams checked')
    return report
  })
  return { libsignalConsole, fastBufferKeys: fast, seams }
}
