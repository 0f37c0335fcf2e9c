import { Readable } from 'node:stream'
import { getMessageMedia } from '@/lib/api/operations/media'
import { endpoint, route } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(getMessageMedia, async ({ params, ctx }) => {
    ctx.rt.sessions.get(params.accountId)
    const media = await ctx.rt.media.open(params.accountId, params.messageId)
    const name = media.fileName ?? 'media'
    return new Response(Readable.toWeb(media.stream) as ReadableStream<Uint8Array>, {
      status: 200,
      headers: {
        'content-type': media.mimeType,
        'content-length': String(media.size),
        'content-disposition': `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
        'x-content-type-options': 'nosniff',
        'cache-control': 'private, no-store',
      },
    })
  }),
)
