/**
 * The WhatsApp parts of downloading a received message's media, without Baileys' own downloader:
 * which URL Baileys would fetch (and whether its host is one of WhatsApp's), and a stream that checks
 * the encrypted hash and the MAC while it decrypts. The HTTP request itself goes through the outbound
 * address guard (lib/net/outbound.ts); Baileys' downloadContentFromMessage fetches whatever host and
 * path the sender wrote into the message, with no size cap and no MAC check, so it is not used.
 */
import crypto from 'node:crypto'
import { Transform } from 'node:stream'
import { DEF_MEDIA_HOST, getMediaKeys, getUrlFromDirectPath } from '@whiskeysockets/baileys'
import { AppError } from '@/lib/errors'
import type { ReceivedMediaSource, WaMediaKind } from './media'

/** Baileys' fallback media host, allowed with the hosts WhatsApp's media_conn answer names. */
export const DEFAULT_MEDIA_HOST = DEF_MEDIA_HOST

/** WhatsApp's media MAC: HMAC-SHA256 over IV and ciphertext, truncated to 10 bytes and appended. */
const MAC_BYTES = 10
const AES_BLOCK = 16

/** The encrypted size of `plainBytes`: AES-CBC with PKCS#7 padding (always 1–16 bytes) plus the MAC. */
export function encryptedLength(plainBytes: number): number {
  return (Math.floor(plainBytes / AES_BLOCK) + 1) * AES_BLOCK + MAC_BYTES
}

/**
 * A direct path as WhatsApp sends it (`/v/t62.7118-24/…enc?ccb=…&oh=…`): one absolute path with an
 * optional query. Anything that could move the request elsewhere once glued behind a host — `//`
 * (a protocol-relative authority), `@` (credentials), `\\` (read as `/` by URL parsers), a scheme,
 * whitespace or a fragment — is refused.
 */
const DIRECT_PATH = /^\/[^/\\@\s#]+(?:\/[^/\\@\s#]+)*\/?(?:\?[^\\@\s#]*)?$/

/** Normalises a media_conn host name (`mmg.whatsapp.net`, `127.0.0.1:4431`) to a URL `host`. */
export function normaliseHost(hostname: string): string | null {
  try {
    const url = new URL(`https://${hostname}`)
    return url.pathname === '/' && !url.username && !url.password ? url.host : null
  } catch {
    return null
  }
}

/**
 * The URL Baileys would download (`https://{host of url}{directPath}`, the host falling back to
 * DEF_MEDIA_HOST; `url` itself without a direct path), or an AppError `media_url_forbidden` when
 * the message names something that is not a plain https media URL. Makes no connection.
 */
export function mediaDownloadUrl(source: Pick<ReceivedMediaSource, 'url' | 'directPath'>): URL {
  const forbidden = (why: string) => new AppError('media_url_forbidden', `The media of this message is not fetched: ${why}.`)
  let text: string
  if (source.directPath) {
    if (!DIRECT_PATH.test(source.directPath) || source.directPath.includes('//'))
      throw forbidden('its direct path is not a plain absolute path')
    let host: string = DEFAULT_MEDIA_HOST
    if (source.url) {
      try {
        host = new URL(source.url).host || DEFAULT_MEDIA_HOST
      } catch {
        // Baileys falls back to the default host when the url does not parse; so do we
      }
    }
    text = getUrlFromDirectPath(source.directPath, host)
  } else if (source.url) {
    text = source.url
  } else {
    throw forbidden('it names no media URL')
  }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw forbidden('its URL does not parse')
  }
  if (url.protocol !== 'https:') throw forbidden('its URL is not https')
  if (url.username || url.password) throw forbidden('its URL carries credentials')
  return url
}

/**
 * Decrypts WhatsApp media as it streams: holds back the trailing MAC, checks the SHA-256 of the whole
 * encrypted blob against `fileEncSha256` and the MAC (Baileys' downloader checks neither) before the
 * last plain block leaves. A mismatch fails the stream with `upstream_failed`.
 */
export async function mediaDecipher(opts: { kind: WaMediaKind; mediaKey: Buffer; fileEncSha256: Buffer }): Promise<Transform> {
  const { cipherKey, iv, macKey } = await getMediaKeys(opts.mediaKey, opts.kind)
  if (!macKey) throw new AppError('media_unverifiable', 'No MAC key could be derived from the media key.')
  const encHash = crypto.createHash('sha256')
  const hmac = crypto.createHmac('sha256', macKey).update(iv)
  const decipher = crypto.createDecipheriv('aes-256-cbc', cipherKey, iv)
  let tail = Buffer.alloc(0)
  const bad = (why: string) => new AppError('upstream_failed', `The media WhatsApp served ${why}.`)
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      encHash.update(chunk)
      const all = Buffer.concat([tail, chunk])
      const cut = Math.max(0, all.length - MAC_BYTES)
      tail = all.subarray(cut)
      const body = all.subarray(0, cut)
      if (body.length === 0) {
        done()
        return
      }
      hmac.update(body)
      try {
        done(null, decipher.update(body))
      } catch (err) {
        done(bad(`does not decrypt (${(err as Error).message})`))
      }
    },
    flush(done) {
      const enc = encHash.digest()
      let why: string | null = null
      if (tail.length < MAC_BYTES) why = 'is too short to carry a MAC'
      else if (enc.length !== opts.fileEncSha256.length || !crypto.timingSafeEqual(enc, opts.fileEncSha256)) {
        why = 'does not match the encrypted hash the sender declared'
      } else if (!crypto.timingSafeEqual(hmac.digest().subarray(0, MAC_BYTES), tail)) why = 'fails its MAC check'
      if (why) {
        done(bad(why))
        return
      }
      try {
        done(null, decipher.final())
      } catch {
        done(bad('has broken padding'))
      }
    },
  })
}
