/**
 * The headers media bytes are served with (the API route, which the dashboard's thumbnails and
 * download links use too). A sender chooses the declared type and the file name of what it sends, so
 * neither decides how a browser treats the bytes: the type comes from the bytes' own signature, the
 * browser may not guess another (nosniff), and only images, audio and video are shown inline. The
 * `Content-Security-Policy: sandbox` that goes with them is set by lib/http/security-headers.ts (the
 * header the server sets before Next runs is the one that is sent).
 */
const INLINE = /^(image|audio|video)\//

/** Types a browser could run script from although their top-level type looks harmless. */
const NEVER_INLINE = new Set(['image/svg+xml'])

export function servedMediaHeaders(file: { sniffedType: string | null; size: number; fileName: string | null }): Record<string, string> {
  const type = file.sniffedType ?? 'application/octet-stream'
  const inline = INLINE.test(type) && !NEVER_INLINE.has(type.split(';')[0]?.trim() ?? '')
  const name = file.fileName ?? 'media'
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return {
    'content-type': type,
    'content-length': String(file.size),
    'content-disposition': `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    'x-content-type-options': 'nosniff',
    'cache-control': 'private, no-store',
  }
}
