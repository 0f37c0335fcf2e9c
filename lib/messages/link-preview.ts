import { parse } from 'node-html-parser'
import { isAppError } from '@/lib/errors'
import type { Logger } from '@/lib/logger'
import { guardedRequest, type OutboundPolicy, readBody } from '@/lib/net/outbound'
import type { LinkPreview } from '@/lib/whatsapp/outgoing'
import type { LinkPreviewer } from './queue'

/** Enough of a page to find its <head>; the rest is never read. */
const MAX_HTML_BYTES = 256 * 1024
const TIMEOUT_MS = 5_000
const MAX_TEXT = 300

export type LinkPreviewConfig = {
  /** ranges that may be fetched although not public (tests, intranets) */
  allowedCidrs: readonly string[]
}

/**
 * Builds a preview (title and description) for a URL a sender asked to preview, fetched only through
 * the outbound address guard. Plain http is allowed here: what keeps a preview from reaching inside
 * the gateway's network is the address rule, which applies to http and https alike. Anything that
 * goes wrong (refused address, timeout, not HTML) degrades to a preview naming the URL alone: the
 * message still goes out.
 */
export function guardedLinkPreview(config: LinkPreviewConfig, logger: Logger): LinkPreviewer {
  const policy: OutboundPolicy = { allowedCidrs: config.allowedCidrs, allowHttp: true, forbiddenCode: 'url_forbidden' }
  const log = logger.child({ component: 'link-preview' })
  return async (url) => {
    try {
      const res = await guardedRequest(url, {
        policy,
        log,
        timeoutMs: TIMEOUT_MS,
        maxRedirects: 3,
        headers: { accept: 'text/html,application/xhtml+xml', 'user-agent': 'wa-gateway link preview' },
      })
      const type = res.headers['content-type'] ?? ''
      if (res.status < 200 || res.status >= 300 || !/html/i.test(type)) {
        res.body.destroy()
        return { url }
      }
      const html = (await readBody(res.body, MAX_HTML_BYTES)).toString('utf8')
      return { url, ...previewFromHtml(html) }
    } catch (err) {
      // The address is logged as the host only: a URL's query may carry tokens.
      log.info({ host: hostOf(url), code: isAppError(err) ? err.code : 'error' }, 'link preview not fetched')
      return { url }
    }
  }
}

/** Title and description from Open Graph tags, falling back to <title> and the description meta. */
export function previewFromHtml(html: string): Omit<LinkPreview, 'url'> {
  const root = parse(html)
  const meta = (selector: string) => root.querySelector(selector)?.getAttribute('content')?.trim() ?? ''
  const ogTitle = meta('meta[property="og:title"]')
  const title = ogTitle !== '' ? ogTitle : (root.querySelector('title')?.text.trim() ?? '')
  const description = meta('meta[property="og:description"]') || meta('meta[name="description"]')
  return {
    ...(title ? { title: clip(title) } : {}),
    ...(description ? { description: clip(description) } : {}),
  }
}

const clip = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s).replace(/\s+/g, ' ')

function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return '(invalid)'
  }
}
