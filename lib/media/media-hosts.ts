import type { Logger } from '@/lib/logger'
import { DEFAULT_MEDIA_HOST, normaliseHost } from '@/lib/whatsapp/media-download'
import type { WaSocket } from '@/lib/whatsapp/socket'

/** Whether received media may be fetched from a host: WhatsApp's, someone else's, or not known yet. */
export type HostVerdict = 'allowed' | 'forbidden' | 'unknown'

/**
 * Pure: a download host is WhatsApp's when it is Baileys' default media host or one of the hosts
 * WhatsApp's media_conn answer named for this account. Without any media_conn answer (the account was
 * not connected since the gateway started) other hosts are 'unknown', never assumed to be WhatsApp's.
 */
export function judgeMediaHost(host: string, known: readonly string[] | undefined): HostVerdict {
  const h = host.toLowerCase()
  if (h === DEFAULT_MEDIA_HOST) return 'allowed'
  if (!known) return 'unknown'
  return known.includes(h) ? 'allowed' : 'forbidden'
}

/**
 * The media hosts WhatsApp announced per account. While the account is connected they come from
 * Baileys' media_conn answer (cached by Baileys until its ttl, so this costs no round trip per
 * download); the last answer is kept in memory so cached media links of an account that is offline
 * now still resolve against the hosts WhatsApp itself named.
 */
export class WhatsAppMediaHosts {
  private readonly lastKnown = new Map<string, string[]>()

  constructor(
    private readonly connectedSocket: (accountId: string) => WaSocket | undefined,
    private readonly log: Logger,
  ) {}

  /** The hosts for `accountId` (normalised URL hosts), or undefined when none were ever announced. */
  async hostsOf(accountId: string): Promise<readonly string[] | undefined> {
    const sock = this.connectedSocket(accountId)
    if (sock) {
      try {
        const hosts = (await sock.mediaHosts()).map(normaliseHost).filter((h): h is string => h !== null)
        this.lastKnown.set(accountId, hosts)
      } catch (err) {
        this.log.warn({ err, accountId }, "could not read WhatsApp's media hosts; using the last known ones")
      }
    }
    return this.lastKnown.get(accountId)
  }
}
