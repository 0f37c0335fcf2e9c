import { fastBufferKeys } from '@/lib/crypto/buffer-keys'
import type { Logger } from '@/lib/logger'
import { routeLibsignalConsole } from '@/lib/whatsapp/libsignal-console'

export type ProcessPatches = { fastBufferKeys: boolean; libsignalConsole: boolean }

/**
 * The process-wide work-arounds for dependencies the gateway runs unmodified, installed in one place
 * before any WhatsApp socket opens (docs/upstream.md lists each, with when it can go):
 * - libsignal's console narration (whole Signal sessions, private keys included) goes through the
 *   logger with the sessions reduced to harmless facts (lib/whatsapp/libsignal-console.ts); always on.
 *   With JSON logs every other console line becomes a log line too, so stdout stays one JSON object
 *   a line;
 * - Node 24's slow byte-key check in createHmac/createCipheriv (lib/crypto/buffer-keys.ts), unless
 *   CRYPTO_FAST_BUFFER_KEYS=false.
 * Logs once which of them engaged. Installing twice in one process changes nothing.
 */
export function installProcessPatches(opts: { logger: Logger; fastBufferKeys: boolean; jsonLogs: boolean }): ProcessPatches {
  const patches: ProcessPatches = {
    libsignalConsole: routeLibsignalConsole(opts.logger, { everything: opts.jsonLogs }),
    fastBufferKeys: opts.fastBufferKeys && fastBufferKeys(),
  }
  opts.logger.info({ patches }, 'process-wide dependency work-arounds installed')
  return patches
}
